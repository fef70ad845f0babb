package io.dockmaster.agent;

import io.dockmaster.agent.TransferFailure.Reason;
import io.dockmaster.agent.TransferLedger.Entry;
import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobHandle;
import io.dockmaster.cache.BlobWrite;
import io.dockmaster.cache.CacheFullException;
import io.dockmaster.cache.DigestMismatchException;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the transfers the operator orders: streams each blob from its source into the cache through
 * the download cap, where peers can already read it, and verifies it before it counts as complete.
 * A source that stops sending is cut off after a stall timeout so the operator can re-plan.
 */
final class TransferRunner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TransferRunner.class);

  private final BlobCache cache;
  private final BlobSource sources;
  private final TransferLedger ledger;
  private final AgentMetrics metrics;
  private final Duration stallTimeout;
  private final SourceCopier copier;
  private final ExecutorService workers;
  private final ScheduledExecutorService watchdog;
  private final Map<Entry, SourceStream> running = new ConcurrentHashMap<>();

  /** Failures of the source alone: the bytes that did arrive are good to continue from. */
  private static final Set<Reason> RESUMABLE =
      EnumSet.of(Reason.SourceUnreachable, Reason.SourceMissing, Reason.UpstreamFailed);

  private final KeptPartials kept;
  private final PieceSenders senders = new PieceSenders();

  /** Orders that replace a transfer in flight from another source, started once it has stopped. */
  private final Map<Digest, TransferOrder> replacements = new ConcurrentHashMap<>();

  /** How close to its end a transfer starts those waiting behind it. */
  static final long NEXT_STARTS_BYTES_BEFORE_END = 8L << 20;

  private final WaitingTransfers waiting;

  TransferRunner(
      BlobCache cache,
      BlobSource sources,
      TransferLedger ledger,
      MirrorBandwidth bandwidth,
      AgentMetrics metrics,
      Duration stallTimeout,
      long relayWindowBytes,
      int parallelism) {
    this.cache = cache;
    this.sources = sources;
    this.ledger = ledger;
    this.metrics = metrics;
    this.stallTimeout = stallTimeout;
    this.copier =
        new SourceCopier(
            new RelayPacing(relayWindowBytes, stallTimeout, metrics), bandwidth, metrics);
    this.kept = new KeptPartials(stallTimeout);
    this.waiting = new WaitingTransfers(ledger, this::start);
    ledger.onPeerAsking(waiting::startNow);
    AtomicInteger threads = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            parallelism, r -> daemon(r, "transfer-" + threads.incrementAndGet()));
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "transfer-watchdog"));
    long period = Math.max(100, stallTimeout.toMillis() / 4);
    watchdog.scheduleWithFixedDelay(this::cutOffStalled, period, period, TimeUnit.MILLISECONDS);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  /**
   * Starts the transfer unless the blob is complete or already on its way from the same source;
   * returns at once. An order naming another source replaces the transfer in flight: the operator
   * re-plans only when the old source is gone or would close a cycle. So does one for the same peer
   * marking this node a slow receiver while the transfer in flight asked to be kept pace with: the
   * operator measured this node slow after ordering it, and until the source lets go of it by
   * itself, every node of the blob's tree would move at this node's pace.
   */
  void submit(TransferOrder order) {
    TransferUnit unit = TransferUnit.of(order);
    if (cache.isComplete(unit.blob()) || isWrittenPiece(unit)) {
      return;
    }
    Digest key = unit.key();
    if (waiting.offer(order, unit)) {
      return;
    }
    Optional<Entry> entry = ledger.begin(key, order.source().label(), order.slowReceiver());
    if (entry.isPresent()) {
      workers.execute(() -> run(order, unit, entry.get()));
      return;
    }
    ledger
        .inFlight(key)
        .filter(
            current ->
                !current.source.equals(order.source().label())
                    || (order.slowReceiver() && !current.unpaced))
        .ifPresent(
            current -> {
              replacements.put(key, order);
              SourceStream stream = running.get(current);
              if (stream != null && stream.superseded.compareAndSet(false, true)) {
                stream.cutOff();
              }
            });
  }

  private void start(WaitingTransfers.Waiting waited) {
    ledger.started(waited.entry());
    workers.execute(() -> run(waited.order(), waited.unit(), waited.entry()));
  }

  /** The key of a unit as orders name it: a piece's name, or a blob's digest. */
  static Digest keyOfUnit(String name) {
    return BlobPiece.isPieceName(name) ? BlobPiece.parse(name).key() : Digest.parse(name);
  }

  /** A piece written here, whose blob is not complete yet. */
  private boolean isWrittenPiece(TransferUnit unit) {
    return unit.isPiece() && cache.find(unit.key()).map(BlobHandle::isComplete).orElse(false);
  }

  private void run(TransferOrder order, TransferUnit unit, Entry entry) {
    long started = System.nanoTime();
    Digest key = unit.key();
    TransferOrder current = order;
    PartialBlob partial = null;
    try {
      partial = partialFor(order, unit, entry);
      if (partial == null) {
        // Another order completed it between submit and now; nothing left to fetch.
        ledger.succeeded(key);
        return;
      }
      ledger.writeStarted(key);
      // The next in line starts a little before this one ends, so the link never idles between
      // them (the source's last bytes are often already in socket buffers).
      entry.onNearEnd(unit.size() - NEXT_STARTS_BYTES_BEFORE_END, () -> waiting.startBehind(key));
      while (true) {
        try {
          transfer(current, unit, entry, partial);
          ledger.succeeded(key);
          metrics.transferFinished(
              current.source().fromUpstream(),
              "complete",
              Duration.ofNanos(System.nanoTime() - started));
          log.info(
              "{} complete from {} ({} bytes)",
              unit.label(),
              String.join(", ", partial.sources()),
              unit.size());
          return;
        } catch (TransferFailure failure) {
          TransferOrder next = replacements.remove(key);
          if (next != null && continuable(failure, partial)) {
            log.info(
                "{} continues from {} at byte {} of {} ({})",
                unit.label(),
                next.source().label(),
                partial.write.written(),
                unit.size(),
                next.source().equals(current.source())
                    ? "no longer kept pace with: the operator measured this node slow"
                    : "instead of " + current.source().label());
            current = next;
            ledger.switched(entry, current.source().label(), current.slowReceiver());
            continue;
          }
          if (next != null && failure.reason() == Reason.DigestMismatch) {
            // Starting the replacement would clear the failure before the operator read it, and
            // it must learn whose bytes were wrong: it re-plans from the report instead.
            log.info(
                "{}: order from {} dropped; the digest mismatch goes to the operator first",
                unit.label(),
                next.source().label());
          } else if (next != null) {
            partial.write.abort("replaced after " + failure.getMessage());
            ledger.superseded(key);
            replacements.put(key, next);
            // Too many or too few bytes, a full cache, an unauthorized upstream: counted and
            // named here, while the operator, which already moved on, reads the replacement's.
            metrics.transferFinished(
                current.source().fromUpstream(),
                failure.reason().name(),
                Duration.ofNanos(System.nanoTime() - started));
            log.warn(
                "{} from {} failed as it was replaced by an order from {}: {}",
                unit.label(),
                partial.blamed(failure, current.source().label()),
                next.source().label(),
                failure.getMessage());
            return;
          }
          failed(current, unit, partial, failure, started);
          return;
        }
      }
    } catch (TransferFailure failure) {
      failed(current, unit, partial, failure, started);
    } finally {
      ledger.releaseWaiters(key);
      TransferOrder next = replacements.remove(key);
      if (next != null) {
        // It continues a transfer that was under way: nothing to wait behind.
        submit(next.waitingBehind(null));
      }
      if (!ledger.isInFlight(key)) {
        waiting.startBehind(key);
      }
    }
  }

  /**
   * The write to continue: one kept from a transfer whose source failed, or a new one; null when
   * the blob is complete or another write of it is in progress.
   */
  private PartialBlob partialFor(TransferOrder order, TransferUnit unit, Entry entry)
      throws TransferFailure {
    PartialBlob held = kept.take(unit.key());
    if (held != null) {
      entry.resumedAt(held.write.written());
      log.info(
          "{} continues from {} at byte {} of {}",
          unit.label(),
          order.source().label(),
          held.write.written(),
          unit.size());
      return held;
    }
    try {
      Optional<BlobWrite> write =
          unit.isPiece()
              ? cache.startWrite(unit.piece(), order.size(), order.mediaType())
              : cache.startWrite(unit.blob(), order.size(), order.mediaType());
      return write.map(w -> new PartialBlob(w, unit.isPiece())).orElse(null);
    } catch (CacheFullException e) {
      throw new TransferFailure(Reason.CacheFull, e.getMessage());
    } catch (IOException e) {
      throw new TransferFailure(Reason.CacheFull, "cannot write to the cache: " + e.getMessage());
    }
  }

  /**
   * Reports the failure. The bytes that arrived stay (peers reading them keep waiting) for the next
   * order to continue from, unless they are wrong or the failure is not the source's.
   */
  private void failed(
      TransferOrder order,
      TransferUnit unit,
      PartialBlob partial,
      TransferFailure failure,
      long started) {
    boolean upstream = order.source().fromUpstream();
    String source =
        partial == null ? order.source().label() : partial.blamed(failure, order.source().label());
    if (partial != null && continuable(failure, partial)) {
      kept.keep(unit.key(), partial);
    } else if (partial != null) {
      partial.write.abort(failure.getMessage());
    }
    ledger.failed(
        unit.key(),
        source,
        failure.reason().name(),
        failure.getMessage(),
        source.equals(PartialBlob.MIXED_SOURCES) ? failure.pieceSources() : List.of(),
        source.equals(PartialBlob.MIXED_SOURCES) ? failure.receivedPieces() : List.of());
    metrics.transferFinished(
        upstream, failure.reason().name(), Duration.ofNanos(System.nanoTime() - started));
    log.warn("{} from {} failed: {}", unit.label(), source, failure.getMessage());
  }

  /** The bytes written so far can be trusted, and the failure was the source's alone. */
  private static boolean continuable(TransferFailure failure, PartialBlob partial) {
    return partial.write.isOpen() && RESUMABLE.contains(failure.reason());
  }

  /** One source's part of a transfer: from the bytes already written to the end, or a failure. */
  private void transfer(TransferOrder order, TransferUnit unit, Entry entry, PartialBlob partial)
      throws TransferFailure {
    String source = order.source().label();
    long offset = partial.write.written();
    if (offset == unit.size()) {
      // Every byte arrived before the last source broke off: only the check is left.
      commit(partial, source, unit);
      return;
    }
    if (replacements.containsKey(unit.key())) {
      throw new TransferFailure(Reason.SourceUnreachable, source + " was replaced before it sent");
    }
    BlobFrom opened = sources.open(order, unit.blob(), offset);
    try (InputStream in = opened.body()) {
      SourceStream stream = new SourceStream(in);
      running.put(entry, stream);
      // A replacement that came while the source was being opened found nothing to cut off.
      if (replacements.containsKey(unit.key()) && stream.superseded.compareAndSet(false, true)) {
        stream.cutOff();
      }
      try {
        copier.copy(stream, offset - opened.startsAt(), partial, entry, order, unit);
        stream.end();
        // A slow sync of the file is no stall of the source.
        running.remove(entry);
        commit(partial, source, unit);
      } catch (IOException | RegistryException e) {
        throw TransferFailure.ofStream(
            e, stream.stalled.get() ? stallTimeout : null, source, unit.blob());
      } finally {
        running.remove(entry);
        stream.end();
      }
    } catch (IOException e) {
      // Closing a source stream after the transfer ended; the outcome is already decided.
      log.debug("closing the stream from {} failed: {}", source, e.toString());
    }
  }

  private void commit(PartialBlob partial, String source, TransferUnit unit)
      throws TransferFailure {
    if (unit.isPiece()) {
      senders.wrote(unit.blob(), unit.piece().offset(), partial.sources());
    }
    try {
      partial.write.commit();
      if (!unit.isPiece() || cache.isComplete(unit.blob())) {
        senders.forget(unit.blob());
      }
    } catch (DigestMismatchException e) {
      if (!unit.isPiece()) {
        throw TransferFailure.ofStream(e, null, source, unit.blob());
      }
      // This piece completed its blob, whose pieces may have come from several sources.
      throw senders.mismatchOf(unit.blob(), e);
    } catch (IOException e) {
      throw TransferFailure.ofStream(e, null, source, unit.blob());
    }
  }

  private void cutOffStalled() {
    long now = System.nanoTime();
    kept.expire();
    running.forEach(
        (entry, stream) -> {
          if (now - entry.lastProgressNanos > stallTimeout.toNanos()
              && stream.stalled.compareAndSet(false, true)) {
            stream.cutOff();
          }
        });
  }

  int active() {
    return ledger.inFlightCount();
  }

  @Override
  public void close() {
    kept.discardAll("the agent is stopping");
    watchdog.shutdownNow();
    workers.shutdownNow();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
