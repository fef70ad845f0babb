package io.dockmaster.distribution;

import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobRange;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.BlobVerifications;
import io.dockmaster.control.RangeDigest;
import io.dockmaster.control.ReceivedPiece;
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
import java.util.Objects;
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
 * <p>A blob assembled from pieces of several senders makes each of them a suspect. Which of them
 * sent the wrong bytes, the digests of the pieces tell: the receiver reports what it got in each
 * piece and from whom, each sender's re-check hashes the same ranges of its copy, and a sender
 * whose intact copy differs from what it sent earns the strike.
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

  /** The same for the pieces a copy sent of a blob whose pieces came from several senders. */
  private final Map<NodeBlob, List<SentPiece>> pendingPieces = new HashMap<>();

  private final Map<NodeBlob, Set<String>> strikeReporters = new HashMap<>();
  private final Map<String, String> lastMismatchSource = new HashMap<>();
  private final Map<String, Set<String>> toVerify = new HashMap<>();
  private final Queue<Checked> verified = new ConcurrentLinkedQueue<>();
  private final Queue<NodeBlob> unverified = new ConcurrentLinkedQueue<>();

  private record NodeBlob(String node, String digest) {}

  private record Checked(String node, BlobCheck check) {}

  /**
   * What a receiver got of a range a sender sent it.
   *
   * @param asked whether a re-check handed out since asked the sender to hash the range
   */
  private record SentPiece(String receiver, BlobRange range, String digest, boolean asked) {}

  /** A source newly withheld from a blob's plan by {@link #collect}. */
  record Withheld(String node, Digest blob, int strikes) {}

  /**
   * Notes the digest mismatches a receiver reports. A receiver repeats its last failure until it
   * gets another order, so only a new failure counts. A blob assembled from pieces of several
   * senders makes each of them a suspect, to be re-checked like a relay of a corrupt stream; the
   * one whose copy does not hold what it sent earns the strike.
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
      if (!sole && state.receivedPieces() != null) {
        notePieces(report.node(), blob, state.receivedPieces());
      }
    }
  }

  private void notePieces(String receiver, Digest blob, List<ReceivedPiece> pieces) {
    for (ReceivedPiece piece : pieces) {
      String sender = peerOf(piece.source());
      if (sender != null
          && piece.digest() != null
          && BlobRange.isValid(piece.offset(), piece.length())
          && !isWithheld(blob, sender)) {
        pendingPieces
            .computeIfAbsent(new NodeBlob(sender, blob.toString()), c -> new ArrayList<>())
            .add(new SentPiece(receiver, piece.range(), piece.digest(), false));
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
    return labels.stream().map(SuspectSources::peerOf).filter(Objects::nonNull).toList();
  }

  /** The node a source label names, or null for the registry, several sources or none. */
  private static String peerOf(String label) {
    return label != null && label.startsWith(TransferSource.PEER_LABEL_PREFIX)
        ? label.substring(TransferSource.PEER_LABEL_PREFIX.length())
        : null;
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
    pendingPieces.remove(new NodeBlob(node, digest.toString()));
    // Its strikes stay: one more report about its next copy withholds it again.
    Set<String> held = withheld.get(digest);
    if (held != null) {
      held.remove(node);
    }
  }

  /**
   * The re-checks to ask of these nodes now, with the ranges of pieces they sent; each is handed
   * out once.
   */
  Map<String, BlobVerifications> takeVerifications(Collection<String> alive) {
    Map<String, BlobVerifications> due = new LinkedHashMap<>();
    for (String node : alive) {
      Set<String> digests = toVerify.remove(node);
      if (digests != null) {
        Map<String, List<BlobRange>> ranges = new HashMap<>();
        for (String digest : digests) {
          List<SentPiece> sent = pendingPieces.get(new NodeBlob(node, digest));
          if (sent != null) {
            ranges.put(digest, sent.stream().map(SentPiece::range).distinct().toList());
            sent.replaceAll(
                piece -> new SentPiece(piece.receiver(), piece.range(), piece.digest(), true));
          }
        }
        due.put(node, new BlobVerifications(List.copyOf(digests), ranges));
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
      List<SentPiece> sentPieces = pendingPieces.get(checked);
      copyGone(digest, done.node());
      BlobCheck.Outcome outcome = done.check().outcome();
      Map<BlobRange, String> hashed = hashedRanges(done.check());
      Set<String> struck = new HashSet<>();
      if (reporters != null
          && (outcome == BlobCheck.Outcome.INTACT || outcome == BlobCheck.Outcome.UNREADABLE)) {
        struck.addAll(reporters);
      }
      if (sentPieces != null) {
        struck.addAll(receiversOfOtherBytes(sentPieces, hashed));
      }
      if (!struck.isEmpty()) {
        int count = strikes.merge(checked, 1, Integer::sum);
        Set<String> from = strikeReporters.computeIfAbsent(checked, c -> new HashSet<>());
        from.addAll(struck);
        if (count >= STRIKES
            && from.size() >= 2
            && withheld.computeIfAbsent(digest, d -> new HashSet<>()).add(done.node())) {
          newlyWithheld.add(new Withheld(done.node(), digest, count));
        }
      }
      if (sentPieces != null
          && outcome == BlobCheck.Outcome.INTACT
          && !isWithheld(digest, done.node())) {
        askAgainOfIntactCopy(checked, digest, sentPieces, hashed);
      }
    }
    NodeBlob failed;
    while ((failed = unverified.poll()) != null) {
      toVerify.computeIfAbsent(failed.node(), n -> new LinkedHashSet<>()).add(failed.digest());
    }
    return newlyWithheld;
  }

  /**
   * Pieces reported after the copy's re-check was handed out, of ranges it did not hash, make it a
   * suspect again, to be asked for them next.
   */
  private void askAgainOfIntactCopy(
      NodeBlob copy, Digest digest, List<SentPiece> sent, Map<BlobRange, String> hashed) {
    List<SentPiece> unasked =
        sent.stream()
            .filter(piece -> !piece.asked() && !hashed.containsKey(piece.range()))
            .toList();
    if (!unasked.isEmpty()) {
      pendingPieces.put(copy, new ArrayList<>(unasked));
      suspects.computeIfAbsent(digest, d -> new HashSet<>()).add(copy.node());
      toVerify.computeIfAbsent(copy.node(), n -> new LinkedHashSet<>()).add(copy.digest());
    }
  }

  /**
   * The digests of the ranges of an intact copy its re-check hashed; none when the copy did not
   * check out (a rotten copy is dropped, not struck) or hashed no ranges (an older agent).
   */
  private static Map<BlobRange, String> hashedRanges(BlobCheck check) {
    Map<BlobRange, String> hashed = new HashMap<>();
    if (check.outcome() == BlobCheck.Outcome.INTACT && check.ranges() != null) {
      for (RangeDigest range : check.ranges()) {
        if (BlobRange.isValid(range.offset(), range.length())) {
          hashed.put(range.range(), range.digest());
        }
      }
    }
    return hashed;
  }

  /**
   * The receivers that got other bytes in a piece than the sender's intact copy holds there: bytes
   * the sender's memory or network card corrupted on the way.
   */
  private static Set<String> receiversOfOtherBytes(
      List<SentPiece> sent, Map<BlobRange, String> hashed) {
    Set<String> receivers = new HashSet<>();
    for (SentPiece piece : sent) {
      String copy = hashed.get(piece.range());
      if (copy != null && !copy.equals(piece.digest())) {
        receivers.add(piece.receiver());
      }
    }
    return receivers;
  }
}
