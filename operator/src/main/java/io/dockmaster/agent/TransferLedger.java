package io.dockmaster.agent;

import io.dockmaster.control.BlobState;
import io.dockmaster.control.BlobState.Phase;
import io.dockmaster.control.ReceivedPiece;
import io.dockmaster.registry.Digest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Transfers this agent runs or ran, by digest: what the operator sees when it asks. Completed
 * transfers are forgotten (the cache answers for them); failures stay until the next attempt so the
 * operator can report them and plan around the source.
 */
final class TransferLedger {

  /** One transfer in flight. */
  static final class Entry {
    volatile String source;

    /** Asked with {@code ?pace=none}: a peer source does not hold its own write to this node. */
    volatile boolean unpaced;

    /** Ordered behind another transfer of this node that has not ended yet; nothing flows. */
    volatile boolean waiting;

    final AtomicLong received = new AtomicLong();
    volatile long lastProgressNanos = System.nanoTime();

    Entry(String source, boolean unpaced) {
      this.source = source;
      this.unpaced = unpaced;
    }

    private volatile long nearEndAt = Long.MAX_VALUE;
    private final AtomicReference<Runnable> nearEnd = new AtomicReference<>();

    void advanced(long bytes) {
      long now = received.addAndGet(bytes);
      lastProgressNanos = System.nanoTime();
      if (now >= nearEndAt) {
        runNearEnd();
      }
    }

    /** Runs {@code action} once, as soon as {@code bytes} have been received (or at once). */
    void onNearEnd(long bytes, Runnable action) {
      nearEnd.set(action);
      nearEndAt = bytes;
      if (received.get() >= bytes) {
        runNearEnd();
      }
    }

    private void runNearEnd() {
      Runnable action = nearEnd.getAndSet(null);
      if (action != null) {
        action.run();
      }
    }

    /** Counts as progress for the stall watchdog without adding to what was received. */
    void touched() {
      lastProgressNanos = System.nanoTime();
    }

    /** The transfer continues a write that already holds this many bytes. */
    void resumedAt(long bytes) {
      received.set(bytes);
    }

    private final AtomicLong heldNanos = new AtomicLong();
    private volatile long holdingSince;

    /** The write is about to wait, maybe, for peers relaying the blob from this node. */
    void holding() {
      holdingSince = System.nanoTime();
    }

    /** The wait is over. */
    void released() {
      long since = holdingSince;
      if (since != 0) {
        holdingSince = 0;
        heldNanos.addAndGet(System.nanoTime() - since);
      }
    }

    /** Time held back so far, counting a wait still going on. */
    long heldMillis() {
      long since = holdingSince;
      long ongoing = since == 0 ? 0 : System.nanoTime() - since;
      return (heldNanos.get() + ongoing) / 1_000_000;
    }
  }

  /**
   * @param pieceSources for a blob assembled from pieces that did not verify, the sources of all
   *     its pieces when {@code source} names none of them
   */
  record Failure(
      String source,
      String reason,
      String message,
      List<String> pieceSources,
      List<ReceivedPiece> receivedPieces) {}

  private final Map<Digest, Entry> inFlight = new ConcurrentHashMap<>();
  private final Map<Digest, Failure> failures = new ConcurrentHashMap<>();
  private final Map<Digest, CompletableFuture<Void>> writeStarts = new ConcurrentHashMap<>();
  private final InventoryChanges changes = new InventoryChanges();

  /** Moves on every change of a transfer's phase. */
  InventoryChanges changes() {
    return changes;
  }

  /** Registers a transfer, or returns empty if one for this digest is already running. */
  Optional<Entry> begin(Digest digest, String source, boolean unpaced) {
    Entry entry = new Entry(source, unpaced);
    if (inFlight.putIfAbsent(digest, entry) != null) {
      return Optional.empty();
    }
    failures.remove(digest);
    changes.changed();
    return Optional.of(entry);
  }

  /** Registers a transfer that waits behind another; see {@link #started(Entry)}. */
  Optional<Entry> beginWaiting(Digest digest, String source, boolean unpaced) {
    Entry entry = new Entry(source, unpaced);
    entry.waiting = true;
    if (inFlight.putIfAbsent(digest, entry) != null) {
      return Optional.empty();
    }
    failures.remove(digest);
    changes.changed();
    return Optional.of(entry);
  }

  private volatile Consumer<Digest> startWaiting = key -> {};

  /** Who starts a waiting transfer when a peer asks for its unit: the transfer runner. */
  void onPeerAsking(Consumer<Digest> starter) {
    this.startWaiting = starter;
  }

  /**
   * A peer asks for the unit. A transfer of it that still waits starts now: the operator planned
   * the peer below this node, so holding it back would only have the peer's request time out.
   */
  void peerAsks(Digest digest) {
    Entry entry = inFlight.get(digest);
    if (entry != null && entry.waiting) {
      startWaiting.accept(digest);
    }
  }

  /** A waiting transfer starts: from now on its progress and stalls count. */
  void started(Entry entry) {
    entry.waiting = false;
    entry.touched();
    changes.changed();
  }

  /** Called once the cache holds the blob complete. */
  void succeeded(Digest digest) {
    inFlight.remove(digest);
    changes.changed();
  }

  void failed(Digest digest, String source, String reason, String message) {
    failed(digest, source, reason, message, List.of(), List.of());
  }

  void failed(
      Digest digest,
      String source,
      String reason,
      String message,
      List<String> pieceSources,
      List<ReceivedPiece> receivedPieces) {
    failures.put(
        digest,
        new Failure(
            source, reason, message, List.copyOf(pieceSources), List.copyOf(receivedPieces)));
    inFlight.remove(digest);
    changes.changed();
  }

  /** The blob's bytes now arrive in the cache, where peers can read them. */
  void writeStarted(Digest digest) {
    writeStarts.computeIfAbsent(digest, d -> new CompletableFuture<>()).complete(null);
  }

  /** Wakes anyone still waiting for a write of this digest: it ended, one way or another. */
  void releaseWaiters(Digest digest) {
    CompletableFuture<Void> start = writeStarts.remove(digest);
    if (start != null) {
      start.complete(null);
    }
  }

  /**
   * Waits until a write of the digest has started here. The operator sends a peer's order to fetch
   * from this agent at about the same time as this agent's own order, so a peer may ask a moment
   * before the bytes start arriving; waiting briefly keeps the pipeline instead of failing it.
   *
   * @return whether a write started (or ended) within the timeout
   */
  boolean awaitWriteStarted(Digest digest, long timeoutMillis) throws InterruptedException {
    CompletableFuture<Void> start =
        writeStarts.computeIfAbsent(digest, d -> new CompletableFuture<>());
    try {
      start.get(timeoutMillis, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      writeStarts.remove(digest, start);
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  /** The transfer in flight for this digest, if any. */
  Optional<Entry> inFlight(Digest digest) {
    return Optional.ofNullable(inFlight.get(digest));
  }

  /** The transfer goes on from another source, keeping the bytes it has. */
  void switched(Entry entry, String source, boolean unpaced) {
    entry.source = source;
    entry.unpaced = unpaced;
    entry.touched();
    changes.changed();
  }

  /** Ends a transfer that was replaced by one from another source: neither success nor failure. */
  void superseded(Digest digest) {
    inFlight.remove(digest);
    changes.changed();
  }

  boolean isInFlight(Digest digest) {
    return inFlight.containsKey(digest);
  }

  int inFlightCount() {
    return inFlight.size();
  }

  /** The state of a digest the cache does not hold complete. */
  BlobState stateOf(Digest digest) {
    Entry entry = inFlight.get(digest);
    if (entry != null) {
      return new BlobState(
          digest.toString(),
          Phase.RECEIVING,
          entry.received.get(),
          entry.source,
          null,
          null,
          entry.heldMillis(),
          null,
          entry.waiting ? Boolean.TRUE : null,
          null);
    }
    Failure failure = failures.get(digest);
    if (failure != null) {
      return new BlobState(
          digest.toString(),
          Phase.FAILED,
          0,
          failure.source(),
          failure.reason(),
          failure.message(),
          null,
          failure.pieceSources().isEmpty() ? null : failure.pieceSources(),
          null,
          failure.receivedPieces().isEmpty() ? null : failure.receivedPieces());
    }
    return BlobState.absent(digest.toString());
  }
}
