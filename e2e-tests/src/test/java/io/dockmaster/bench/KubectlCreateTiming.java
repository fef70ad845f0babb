package io.dockmaster.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Times {@code kubectl create} of Pods, one after another, in a namespace the webhook judges and in
 * one it never sees, alternating between the two so that drift on the machine hits both alike.
 */
final class KubectlCreateTiming {

  /** Wall times, process start to exit, in nanoseconds. */
  record Timings(List<Long> judged, List<Long> notCalled) {}

  private final ExternalCommand commands;
  private final String image;

  KubectlCreateTiming(ExternalCommand commands, String image) {
    this.commands = commands;
    this.image = image;
  }

  Timings run(String judgedNamespace, String freeNamespace, int pods, int warmUp) {
    List<Long> judged = new ArrayList<>();
    List<Long> notCalled = new ArrayList<>();
    for (int i = 0; i < warmUp + pods; i++) {
      long withWebhook = create(judgedNamespace, "judged-" + i);
      long without = create(freeNamespace, "free-" + i);
      if (i >= warmUp) {
        judged.add(withWebhook);
        notCalled.add(without);
      }
    }
    return new Timings(judged, notCalled);
  }

  private long create(String namespace, String name) {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: %s, labels: {app: bench}}
        spec:
          containers:
          - name: app
            image: "%s"
            resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 128Mi}}
        """
            .formatted(name, namespace, image);
    ExternalCommand.Result result =
        commands.runWithInput(yaml, List.of("kubectl", "create", "-f", "-")).orFail();
    if (!result.stdout().contains("pod/" + name + " created")) {
      throw new IllegalStateException("kubectl create said: " + result.stdout() + result.stderr());
    }
    return result.nanos();
  }
}
