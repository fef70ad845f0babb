package io.dockmaster.bench;

import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.dockmaster.e2e.lab.LabAgent;
import io.dockmaster.e2e.lab.P2PLab;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a P2P run left behind besides its timings: the ImageMirror status the operator wrote and the
 * transfers the agents logged, for the benchmark to print beside the figures.
 */
final class P2PRunDiagnostics {

  private P2PRunDiagnostics() {}

  /** The status is informational: waits briefly for nodesReady N/N and describes it. */
  static String awaitStatus(P2PLab lab, String mirror, int nodes) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    ImageMirrorStatus status = null;
    while (System.nanoTime() < deadline) {
      status = lab.mirrorStatus(mirror).orElse(null);
      if (status != null && (nodes + "/" + nodes).equals(status.getNodesReady())) {
        break;
      }
      Thread.sleep(500);
    }
    if (status == null) {
      return "(none written)";
    }
    String summary =
        "nodesReady %s, progress %s, bytesFromUpstream %s, bytesFromPeers %s"
            .formatted(
                status.getNodesReady(),
                status.getProgress(),
                status.getBytesFromUpstream(),
                status.getBytesFromPeers());
    return (nodes + "/" + nodes).equals(status.getNodesReady())
        ? summary
        : summary + "; still behind after 30 s: " + whyBehind(status);
  }

  /** What a status that lags the nodes says about itself: its conditions and latest failures. */
  private static String whyBehind(ImageMirrorStatus status) {
    List<String> parts = new ArrayList<>();
    if (status.getConditions() != null) {
      status
          .getConditions()
          .forEach(
              c ->
                  parts.add(
                      c.getType()
                          + "="
                          + c.getStatus()
                          + " ("
                          + c.getReason()
                          + ": "
                          + c.getMessage()
                          + ")"));
    }
    if (status.getFailures() != null) {
      status.getFailures().stream()
          .limit(5)
          .forEach(
              f ->
                  parts.add(
                      "failure on "
                          + f.getNode()
                          + " at "
                          + f.getTime()
                          + ": "
                          + f.getReason()
                          + " "
                          + f.getMessage()));
    }
    return String.join("; ", parts);
  }

  /** What the agents' logs say they did with this image's blobs, and failures with others'. */
  static String transferSummary(P2PLab lab, Set<String> blobs) {
    // A blob's lines name it "sha256:<12 hex> ", a piece's "sha256:<12 hex>@<offset>+<length> ".
    List<String> ours =
        blobs.stream()
            .map(b -> Digest.parse(b).shortForm())
            .flatMap(b -> java.util.stream.Stream.of(b + " ", b + "@"))
            .toList();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (LabAgent agent : lab.agents()) {
      try {
        for (String line : Files.readAllLines(agent.log())) {
          boolean mine = ours.stream().anyMatch(line::contains);
          if (!mine && line.contains(" WARN ") && line.contains(" failed: ")) {
            counts.merge("failed (other images, whole run so far)", 1, Integer::sum);
          } else if (mine && line.contains(" complete from upstream ")) {
            counts.merge("from upstream", 1, Integer::sum);
          } else if (mine && line.contains(" complete from peer/")) {
            counts.merge("from peers", 1, Integer::sum);
          } else if (mine && line.contains(" replaced by an order from another source")) {
            counts.merge("replaced", 1, Integer::sum);
          } else if (mine && line.contains(" WARN ") && line.contains(" failed: ")) {
            counts.merge("failed", 1, Integer::sum);
          }
        }
      } catch (IOException e) {
        counts.merge("unreadable logs", 1, Integer::sum);
      }
    }
    return counts.toString();
  }
}
