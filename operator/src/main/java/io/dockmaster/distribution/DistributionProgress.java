package io.dockmaster.distribution;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a mirror's distribution stands, as the status shows it.
 *
 * @param desired selected nodes that run a live agent
 * @param complete of those, nodes holding every blob of their platform
 * @param completeByImage image reference → desired nodes holding every blob of it
 * @param failed nodes whose last attempt at some blob failed and that are not complete
 * @param bytesWanted total bytes the desired nodes need, counting each node's copy
 * @param bytesHeld of those, bytes they hold or have received so far
 * @param failures most recent first, capped
 * @param plannedTransfers transfers ordered since the run started
 * @param finished when every desired node became complete, empty while not
 */
public record DistributionProgress(
    int desired,
    int complete,
    Map<String, Integer> completeByImage,
    int failed,
    long bytesWanted,
    long bytesHeld,
    long bytesFromUpstream,
    long bytesFromPeers,
    List<NodeProblem> failures,
    long plannedTransfers,
    Instant started,
    Optional<Instant> finished) {

  public DistributionProgress {
    failures = List.copyOf(failures);
    completeByImage = Map.copyOf(completeByImage);
  }

  /** A failure on one node, for status. */
  public record NodeProblem(String node, String blob, String reason, String message, Instant at) {}

  public boolean isComplete() {
    return desired > 0 && complete == desired;
  }

  /** 0–100, by bytes, so a big layer counts for what it weighs. */
  public int percent() {
    if (bytesWanted == 0) {
      return desired > 0 ? 100 : 0;
    }
    return (int) Math.min(100, bytesHeld * 100 / bytesWanted);
  }
}
