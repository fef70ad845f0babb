package io.dockmaster.distribution;

import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.TransferSource;
import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Peers that sent bytes which did not hash to the digest, per blob. A suspect is no source of that
 * blob and its own copy does not count, until it has re-hashed the copy (which drops a copy that
 * rotted on disk) or no longer holds it. Pipelining makes innocent relays suspects too: a node that
 * forwarded a corrupt stream while receiving it is reported like the origin; the re-check clears
 * it.
 *
 * <p>A copy that checks out clears the suspicion, but not for ever: a node whose complete copy was
 * found intact {@value #STRIKES} times after peers caught bad bytes from it (memory or a network
 * card corrupting what it sends, or an agent that lies) is withheld, never again a source of that
 * blob for this run, while its own copy counts. Its bad streams then cost about {@value #STRIKES}
 * transfers, however long the run. A strike needs the copy that sent the bytes: a relay whose copy
 * was incomplete (it failed too, or was still receiving) gets none, whatever its later copy checks
 * to. And the strikes must come from at least two receivers, so one receiver with faulty hardware
 * cannot have every healthy source withheld.
 *
 * <p>Not thread-safe, except {@link #verified} and {@link #verificationFailed}, which agent-call
 * threads report to and which take effect at the next {@link #collect}.
 */
final class SuspectSources {

  /** Re-checks that found the copy intact before a source is withheld. */
  static final int STRIKES = 3;

  private final Map<Digest, Set<String>> suspects = new HashMap<>();
  private final Map<Digest, Set<String>> withheld = new HashMap<>();
  private final Map<NodeBlob, Integer> strikes = new HashMap<>();

  /** Checks asked of a complete copy → the receivers that reported it; gone with the copy. */
  private final Map<NodeBlob, Set<String>> pendingChecks = new HashMap<>();

  private final Map<NodeBlob, Set<String>> strikeReporters = new HashMap<>();
  private final Map<String, String> lastMismatchSource = new HashMap<>();
  private final Map<String, Set<String>> toVerify = new HashMap<>();
  private final Queue<Checked> verified = new ConcurrentLinkedQueue<>();
  private final Queue<NodeBlob> unverified = new ConcurrentLinkedQueue<>();

  private record NodeBlob(String node, String digest) {}

  private record Checked(String node, BlobCheck check) {}

  /** A source newly withheld from a blob's plan by {@link #collect}. */
  record Withheld(String node, Digest blob, int strikes) {}

  /**
   * Notes the digest mismatches a receiver reports. A receiver repeats its last failure until it
   * gets another order, so only a new failure counts. A blob assembled from pieces of several
   * senders makes each of them a suspect, to be re-checked like a relay of a corrupt stream, but
   * earns none of them a strike: only one of them sent the wrong bytes.
   */
  void noteReport(AgentReport report) {
    for (BlobState state : report.blobs()) {
      String receiverBlob = report.node() + " " + state.digest();
      List<String> senders = peersBlamed(state);
      if (senders.isEmpty()) {
        lastMismatchSource.remove(receiverBlob);
        continue;
      }
      if (String.join(" ", senders)
          .equals(lastMismatchSource.put(receiverBlob, String.join(" ", senders)))) {
        continue;
      }
      Digest blob = blobOf(state.digest());
      boolean sole = senders.size() == 1 && state.pieceSources() == null;
      for (String source : senders) {
        if (isWithheld(blob, source)) {
          continue;
        }
        NodeBlob copy = new NodeBlob(source, blob.toString());
        if (suspects.computeIfAbsent(blob, d -> new HashSet<>()).add(source)) {
          toVerify.computeIfAbsent(source, n -> new LinkedHashSet<>()).add(blob.toString());
        }
        if (sole) {
          pendingChecks.computeIfAbsent(copy, c -> new HashSet<>()).add(report.node());
        }
      }
    }
  }

  /** The peers a receiver's digest mismatch names: its one source, or each sender of its pieces. */
  private static List<String> peersBlamed(BlobState state) {
    if (state.phase() != BlobState.Phase.FAILED
        || !"DigestMismatch".equals(state.failureReason())) {
      return List.of();
    }
    List<String> labels =
        state.pieceSources() != null
            ? state.pieceSources()
            : state.source() == null ? List.of() : List.of(state.source());
    return labels.stream()
        .filter(label -> label.startsWith(TransferSource.PEER_LABEL_PREFIX))
        .map(label -> label.substring(TransferSource.PEER_LABEL_PREFIX.length()))
        .toList();
  }

  /** A piece's failure is reported under the piece's name; suspicion is of copies of its blob. */
  private static Digest blobOf(String name) {
    return BlobPiece.isPieceName(name) ? BlobPiece.parse(name).blob() : Digest.parse(name);
  }

  boolean isSuspect(Digest digest, String node) {
    return suspects.getOrDefault(digest, Set.of()).contains(node);
  }

  /** Its copy counts, but peers must not fetch this blob from it. */
  boolean isWithheld(Digest digest, String node) {
    return withheld.getOrDefault(digest, Set.of()).contains(node);
  }

  /** The node no longer holds a complete copy; whatever it stores next is verified on write. */
  void copyGone(Digest digest, String node) {
    Set<String> nodes = suspects.get(digest);
    if (nodes != null) {
      nodes.remove(node);
    }
    pendingChecks.remove(new NodeBlob(node, digest.toString()));
    // Its strikes stay: one more report about its next copy withholds it again.
    Set<String> held = withheld.get(digest);
    if (held != null) {
      held.remove(node);
    }
  }

  /** The re-checks to ask of these nodes now (node → digests); each is handed out once. */
  Map<String, List<String>> takeVerifications(Collection<String> alive) {
    Map<String, List<String>> due = new LinkedHashMap<>();
    for (String node : alive) {
      Set<String> digests = toVerify.remove(node);
      if (digests != null) {
        due.put(node, List.copyOf(digests));
      }
    }
    return due;
  }

  /** Thread-safe: the node re-hashed these blobs and found this. */
  void verified(String node, List<BlobCheck> checks) {
    checks.forEach(check -> verified.add(new Checked(node, check)));
  }

  /** Thread-safe: the node could not be asked; ask again next round. */
  void verificationFailed(String node, List<String> digests) {
    digests.forEach(d -> unverified.add(new NodeBlob(node, d)));
  }

  /**
   * Applies what agent-call threads reported since the last call; returns the sources withheld
   * because of it.
   */
  List<Withheld> collect() {
    List<Withheld> newlyWithheld = new ArrayList<>();
    Checked done;
    while ((done = verified.poll()) != null) {
      Digest digest = Digest.parse(done.check().digest());
      NodeBlob checked = new NodeBlob(done.node(), digest.toString());
      // Null when the copy that sent the bytes is gone since: what was checked is a later one.
      Set<String> reporters = pendingChecks.remove(checked);
      copyGone(digest, done.node());
      BlobCheck.Outcome outcome = done.check().outcome();
      if (reporters != null
          && (outcome == BlobCheck.Outcome.INTACT || outcome == BlobCheck.Outcome.UNREADABLE)) {
        int count = strikes.merge(checked, 1, Integer::sum);
        Set<String> from = strikeReporters.computeIfAbsent(checked, c -> new HashSet<>());
        from.addAll(reporters);
        if (count >= STRIKES
            && from.size() >= 2
            && withheld.computeIfAbsent(digest, d -> new HashSet<>()).add(done.node())) {
          newlyWithheld.add(new Withheld(done.node(), digest, count));
        }
      }
    }
    NodeBlob failed;
    while ((failed = unverified.poll()) != null) {
      toVerify.computeIfAbsent(failed.node(), n -> new LinkedHashSet<>()).add(failed.digest());
    }
    return newlyWithheld;
  }
}
