package io.dockmaster.e2e.lab;

import static org.awaitility.Awaitility.await;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Removes what a {@link P2PLab} put into the dev cluster, now or after a crash. The dev cluster has
 * no namespace controller, so a deleted namespace would stay Terminating with its Leases, Secrets
 * and ConfigMaps: the lab empties it itself and then finalizes it.
 */
final class StaleLabs {

  private StaleLabs() {}

  /**
   * Deletes the namespaces, ImageMirrors and operator processes of labs whose creating process is
   * dead (the network namespaces are {@link NetworkLab#cleanupStale}'s job).
   */
  static void remove(KubernetesClient client, P2PLabSettings settings) {
    for (Namespace ns : client.namespaces().withLabel(P2PLab.OWNER_LABEL).list().getItems()) {
      String owner = ns.getMetadata().getLabels().get(P2PLab.OWNER_LABEL);
      if (owner == null || !owner.matches("\\d{1,10}") || alive(Long.parseLong(owner))) {
        continue;
      }
      String name = ns.getMetadata().getName();
      System.err.println("P2P lab: removing " + name + ", left behind by dead process " + owner);
      killOperatorsOf(name);
      deleteMirrors(client, name, false);
      deleteNamespace(client, settings, name);
    }
  }

  /**
   * Deletes the ImageMirrors a lab applied. Each carries the operator's finalizer: a running
   * operator gets a few seconds to release it (unpinning blobs on its agents), after that, or with
   * no operator, the finalizer is dropped, since the agents are going away too.
   */
  static void deleteMirrors(KubernetesClient client, String labNamespace, boolean operatorRunning) {
    var mirrors = client.resources(ImageMirror.class).withLabel(P2PLab.LAB_LABEL, labNamespace);
    if (mirrors.list().getItems().isEmpty()) {
      return;
    }
    mirrors.delete();
    if (operatorRunning) {
      try {
        await("the lab operator to release ImageMirrors of " + labNamespace)
            .atMost(Duration.ofSeconds(15))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> mirrors.list().getItems().isEmpty());
        return;
      } catch (ConditionTimeoutException e) {
        // dropped below
      }
    }
    for (ImageMirror left : mirrors.list().getItems()) {
      try {
        client
            .resources(ImageMirror.class)
            .withName(left.getMetadata().getName())
            .edit(
                m -> {
                  m.getMetadata().setFinalizers(List.of());
                  return m;
                });
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  /** Empties the namespace of what the operator and agents create, deletes and finalizes it. */
  static void deleteNamespace(KubernetesClient client, P2PLabSettings settings, String name) {
    if (client.namespaces().withName(name).get() == null) {
      return;
    }
    client.leases().inNamespace(name).delete();
    client.secrets().inNamespace(name).delete();
    client.configMaps().inNamespace(name).delete();
    client.v1().events().inNamespace(name).delete();
    client.namespaces().withName(name).delete();
    try {
      Path body = Files.createTempFile("p2p-lab-finalize-", ".json");
      try {
        Files.writeString(
            body,
            """
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s"},\
            "spec":{"finalizers":[]}}"""
                .formatted(name),
            StandardCharsets.UTF_8);
        LabCommand.Result finalized =
            settings.kubectl(
                "replace",
                "--raw",
                "/api/v1/namespaces/" + name + "/finalize",
                "-f",
                body.toString());
        if (!finalized.succeeded() && client.namespaces().withName(name).get() != null) {
          finalized.orFail();
        }
      } finally {
        Files.deleteIfExists(body);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot finalize namespace " + name + ": " + e, e);
    }
  }

  /**
   * The agents' CertificateSigningRequests ({@code dockmaster-agent-<node>-<hash>}, by the lab's
   * requester, since {@code since}): without a controller-manager nothing else removes them.
   */
  static void deleteAgentRequests(KubernetesClient client, List<String> nodes, Instant since) {
    Instant from = since.minusSeconds(5);
    for (CertificateSigningRequest csr :
        client.certificates().v1().certificateSigningRequests().list().getItems()) {
      String name = csr.getMetadata().getName();
      boolean ours =
          nodes.stream().anyMatch(node -> name.startsWith("dockmaster-agent-" + node + "-"))
              && P2PLab.AGENT_REQUESTER.equals(csr.getSpec().getUsername())
              && !Instant.parse(csr.getMetadata().getCreationTimestamp()).isBefore(from);
      if (ours) {
        client.certificates().v1().certificateSigningRequests().withName(name).delete();
      }
    }
  }

  /** An operator a dead lab started runs on: it carries "--namespace <that namespace>". */
  private static void killOperatorsOf(String namespace) {
    ProcessHandle.allProcesses()
        .filter(p -> isOperatorOf(p, namespace))
        .forEach(
            p -> {
              System.err.println("P2P lab: stopping stale operator pid " + p.pid());
              p.destroyForcibly();
            });
  }

  private static boolean isOperatorOf(ProcessHandle process, String namespace) {
    List<String> args = process.info().arguments().map(List::of).orElse(List.of());
    int at = args.indexOf("--namespace");
    return args.contains("operator")
        && at >= 0
        && at + 1 < args.size()
        && args.get(at + 1).equals(namespace);
  }

  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }
}
