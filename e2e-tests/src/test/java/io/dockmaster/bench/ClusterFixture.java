package io.dockmaster.bench;

import java.util.List;

/**
 * The dev cluster objects one run needs: a namespace the policy governs, one the webhook never sees
 * (exempt in its registration), each with the {@code default} ServiceAccount that the dev cluster's
 * missing controller-manager would otherwise create, and the ImagePolicy itself.
 */
final class ClusterFixture implements AutoCloseable {

  private final ExternalCommand commands;
  private final String run;
  private final String governed;
  private final String free;
  private final String policy;

  ClusterFixture(ExternalCommand commands, String run) {
    this.commands = commands;
    this.run = run;
    this.governed = "bench-" + run;
    this.free = "bench-free-" + run;
    this.policy = "bench-" + run;
  }

  /** Namespace the policy governs and the webhook is called for. */
  String governed() {
    return governed;
  }

  /** Namespace outside the webhook's namespaceSelector: the API server never calls it. */
  String free() {
    return free;
  }

  String policy() {
    return policy;
  }

  void createNamespaces(String crds) {
    kubectl("apply", "--server-side", "-f", crds);
    kubectl(
        "wait",
        "--for",
        "condition=Established",
        "--timeout=60s",
        "crd/imagepolicies.dockmaster.io");
    for (String ns : List.of(governed, free)) {
      kubectl("create", "namespace", ns);
      kubectl("label", "namespace", ns, "dockmaster.io/bench-run=" + run);
      kubectl("create", "serviceaccount", "default", "-n", ns);
    }
    kubectl("label", "namespace", governed, "governed=" + run);
  }

  /** Signature by the run's key and a non-root user for every image under the run's prefix. */
  void applyPolicy(BenchImages images) {
    String pem = images.publicKeyPem().indent(16).stripTrailing();
    String yaml =
        """
        apiVersion: dockmaster.io/v1alpha1
        kind: ImagePolicy
        metadata: {name: %s, labels: {dockmaster.io/bench-run: "%s"}}
        spec:
          mode: Enforce
          namespaceSelector: {matchLabels: {governed: "%s"}}
          images: ["%s/**"]
          runAsNonRoot: true
          signature:
            authorities:
            - name: release
              key:
                pem: |
        %s
        """
            .formatted(policy, run, run, images.repositoryPrefix(), pem);
    commands.runWithInput(yaml, List.of("kubectl", "apply", "-f", "-")).orFail();
    kubectl("wait", "--for=condition=Ready", "--timeout=60s", "imagepolicy/" + policy);
  }

  String kubectl(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "kubectl";
    System.arraycopy(args, 0, command, 1, args.length);
    return commands.run(command).orFail().stdout();
  }

  /** Namespaces stay Terminating on the dev cluster (no controller-manager); that is harmless. */
  @Override
  public void close() {
    commands.run("kubectl", "delete", "imagepolicy", policy, "--ignore-not-found");
    commands.run("kubectl", "delete", "namespace", governed, free, "--wait=false");
  }
}
