package io.dockmaster.distribution;

import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.TransferSource;
import io.dockmaster.registry.Digest;
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
 * <p>Not thread-safe, except {@link #verified} and {@link #verificationFailed}, which agent-call
 * threads report to and which take effect at the next {@link #collect}.
 */
final class SuspectSources {

  private final Map<Digest, Set<String>> suspects = new HashMap<>();
  private final Map<String, String> lastMismatchSource = new HashMap<>();
  private final Map<String, Set<String>> toVerify = new HashMap<>();
  private final Queue<NodeBlob> verified = new ConcurrentLinkedQueue<>();
  private final Queue<NodeBlob> unverified = new ConcurrentLinkedQueue<>();

  private record NodeBlob(String node, String digest) {}

  /**
   * Notes the digest mismatches a receiver reports. A receiver repeats its last failure until it
   * gets another order, so only a new failure counts.
   */
  void noteReport(AgentReport report) {
    for (BlobState state : report.blobs()) {
      String receiverBlob = report.node() + " " + state.digest();
      if (state.phase() != BlobState.Phase.FAILED
          || !"DigestMismatch".equals(state.failureReason())
          || state.source() == null
          || !state.source().startsWith(TransferSource.PEER_LABEL_PREFIX)) {
        lastMismatchSource.remove(receiverBlob);
        continue;
      }
      String source = state.source().substring(TransferSource.PEER_LABEL_PREFIX.length());
      if (source.equals(lastMismatchSource.put(receiverBlob, source))) {
        continue;
      }
      Digest digest = Digest.parse(state.digest());
      if (suspects.computeIfAbsent(digest, d -> new HashSet<>()).add(source)) {
        toVerify.computeIfAbsent(source, n -> new LinkedHashSet<>()).add(state.digest());
      }
    }
  }

  boolean isSuspect(Digest digest, String node) {
    return suspects.getOrDefault(digest, Set.of()).contains(node);
  }

  /** The node no longer holds a complete copy; whatever it stores next is verified on write. */
  void copyGone(Digest digest, String node) {
    Set<String> nodes = suspects.get(digest);
    if (nodes != null) {
      nodes.remove(node);
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

  /** Thread-safe: the node re-hashed these blobs. */
  void verified(String node, List<String> digests) {
    digests.forEach(d -> verified.add(new NodeBlob(node, d)));
  }

  /** Thread-safe: the node could not be asked; ask again next round. */
  void verificationFailed(String node, List<String> digests) {
    digests.forEach(d -> unverified.add(new NodeBlob(node, d)));
  }

  /** Applies what agent-call threads reported since the last call. */
  void collect() {
    NodeBlob done;
    while ((done = verified.poll()) != null) {
      copyGone(Digest.parse(done.digest()), done.node());
    }
    while ((done = unverified.poll()) != null) {
      toVerify.computeIfAbsent(done.node(), n -> new LinkedHashSet<>()).add(done.digest());
    }
  }
}
