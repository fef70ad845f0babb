package io.dockmaster.distribution;

import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.TransferSource;
import io.dockmaster.registry.Digest;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one node holds, receives and lacks of the blobs its platform needs, as its agent reported in
 * one round. {@link DistributionRun} adds what the run judged of it ({@link #withheld}, {@link
 * #measuredSlow}) before planning.
 */
final class NodeHoldings {
  final Set<Digest> complete = new HashSet<>();
  final Map<Digest, Source> receiving = new HashMap<>();
  final Map<Digest, Long> received = new HashMap<>();

  /** The blobs (or pieces) the node's platform needs. */
  final Set<Digest> wantedUnits = new HashSet<>();

  /**
   * For each transfer whose agent says so, how long in all it held its source back for the peers
   * relaying the blob from this node.
   */
  final Map<Digest, Long> heldBackMillis = new HashMap<>();

  final Set<Digest> withheld = new HashSet<>();
  final Set<Digest> failedBlobs = new HashSet<>();
  long wanted;
  long held;
  boolean failed;
  boolean measuredSlow;

  /**
   * Reads agents' reports for one run, noting on the way what the run's other bookkeeping learns
   * from them: copies suspects no longer hold, transfer rates, first completions, failures.
   */
  static final class Reader {
    private final SuspectSources suspects;
    private final LaggingRelays lagging;
    private final DistributionMetrics metrics;
    private final RecentProblems problems;
    private final Map<String, Set<Digest>> completeBefore = new HashMap<>();

    Reader(
        SuspectSources suspects,
        LaggingRelays lagging,
        DistributionMetrics metrics,
        RecentProblems problems) {
      this.suspects = suspects;
      this.lagging = lagging;
      this.metrics = metrics;
      this.problems = problems;
    }

    /**
     * @param blobs the units the node needs, by key
     * @param units how the agent names them
     */
    NodeHoldings read(
        String node,
        AgentReport report,
        Map<Digest, WantedBlob> blobs,
        PlanUnits units,
        Instant now) {
      NodeHoldings holdings = new NodeHoldings();
      Map<Digest, BlobState> states = new HashMap<>();
      for (BlobState state : report.blobs()) {
        states.put(units.keyOf(state.digest()), state);
      }
      Set<Digest> before = completeBefore.computeIfAbsent(node, n -> new HashSet<>());
      for (WantedBlob blob : blobs.values()) {
        Digest digest = blob.descriptor().digest();
        // Suspicion is of a copy of a whole blob: a piece is suspect with the blob it is of.
        Digest whole = units.piece(digest).map(BlobPiece::blob).orElse(digest);
        long size = blob.descriptor().size();
        holdings.wanted += size;
        holdings.wantedUnits.add(digest);
        BlobState state = states.getOrDefault(digest, BlobState.absent(digest.toString()));
        if (state.phase() != BlobState.Phase.COMPLETE) {
          suspects.copyGone(whole, node);
        }
        Optional<Source> source = sourceOf(state.source());
        // A transfer waiting behind another of the node has no rate yet to judge.
        if (!state.waitsToStart()
            && (source.isPresent() || state.phase() != BlobState.Phase.RECEIVING)) {
          lagging.observe(
              node,
              digest,
              state.phase(),
              state.received(),
              size,
              source.orElse(null),
              state.heldMillis(),
              now);
        }
        switch (state.phase()) {
          case COMPLETE -> {
            holdings.held += size;
            if (!suspects.isSuspect(whole, node)) {
              holdings.complete.add(digest);
            }
            if (suspects.isWithheld(whole, node)) {
              holdings.withheld.add(digest);
            }
            if (before.add(digest)) {
              metrics.completed();
            }
          }
          case RECEIVING -> {
            holdings.held += Math.min(size, state.received());
            source.ifPresent(s -> holdings.receiving.put(digest, s));
            holdings.received.put(digest, state.received());
            if (state.heldMillis() != null) {
              holdings.heldBackMillis.put(digest, state.heldMillis());
            }
          }
          case FAILED -> {
            holdings.failed = true;
            holdings.failedBlobs.add(digest);
            problems.add(node, units.nameOf(digest), state.failureReason(), state.failureMessage());
          }
          case ABSENT -> {}
        }
      }
      return holdings;
    }

    private static Optional<Source> sourceOf(String label) {
      if (label == null) {
        return Optional.empty();
      }
      if (label.equals(TransferSource.UPSTREAM_LABEL)) {
        return Optional.of(Source.UPSTREAM);
      }
      if (label.startsWith(TransferSource.PEER_LABEL_PREFIX)) {
        return Optional.of(Source.peer(label.substring(TransferSource.PEER_LABEL_PREFIX.length())));
      }
      return Optional.empty();
    }
  }
}
