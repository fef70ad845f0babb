package io.dockmaster.agent;

import io.dockmaster.agent.TransferFailure.Reason;
import io.dockmaster.agent.TransferLedger.Entry;
import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobWrite;
import io.dockmaster.cache.CacheFullException;
import io.dockmaster.cache.DigestMismatchException;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.status.ErrorMessages;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private static final int CHUNK_BYTES = 64 * 1024;

  private final BlobCache cache;
  private final BlobSource sources;
  private final TransferLedger ledger;
  private final MirrorBandwidth bandwidth;
  private final AgentMetrics metrics;
  private final long stallNanos;
  private final ExecutorService workers;
  private final ScheduledExecutorService watchdog;
  private final Map<Entry, Running> running = new ConcurrentHashMap<>();

  /** A transfer's stream and thread, so a stalled one can be cut off from outside. */
  private record Running(
      Thread thread, InputStream in, AtomicBoolean stalled, AtomicBoolean superseded) {

    void cutOff() {
      thread.interrupt();
      try {
        in.close();
      } catch (IOException | RuntimeException e) {
        log.debug("closing a cut-off stream failed: {}", e.toString());
      }
    }
  }

  /** Orders that replace a transfer in flight from another source, started once it has stopped. */
  private final Map<Digest, TransferOrder> replacements = new ConcurrentHashMap<>();

  TransferRunner(
      BlobCache cache,
      BlobSource sources,
      TransferLedger ledger,
      MirrorBandwidth bandwidth,
      AgentMetrics metrics,
      Duration stallTimeout,
      int parallelism) {
    this.cache = cache;
    this.sources = sources;
    this.ledger = ledger;
    this.bandwidth = bandwidth;
    this.metrics = metrics;
    this.stallNanos = stallTimeout.toNanos();
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
   * re-plans only when the old source is gone or would close a cycle.
   */
  void submit(TransferOrder order) {
    Digest digest = Digest.parse(order.digest());
    if (cache.isComplete(digest)) {
      return;
    }
    Optional<Entry> entry = ledger.begin(digest, order.source().label());
    if (entry.isPresent()) {
      workers.execute(() -> run(order, digest, entry.get()));
      return;
    }
    ledger
        .inFlight(digest)
        .filter(current -> !current.source.equals(order.source().label()))
        .ifPresent(
            current -> {
              replacements.put(digest, order);
              Running run = running.get(current);
              if (run != null && run.superseded().compareAndSet(false, true)) {
                run.cutOff();
              }
            });
  }

  private void run(TransferOrder order, Digest digest, Entry entry) {
    long started = System.nanoTime();
    boolean upstream = order.source().fromUpstream();
    String source = order.source().label();
    try {
      transfer(order, digest, entry, upstream);
      ledger.succeeded(digest);
      metrics.transferFinished(upstream, "complete", Duration.ofNanos(System.nanoTime() - started));
      log.info("{} complete from {} ({} bytes)", digest.shortForm(), source, order.size());
    } catch (TransferFailure failure) {
      if (replacements.containsKey(digest)) {
        ledger.superseded(digest);
        log.info("{} from {} replaced by an order from another source", digest.shortForm(), source);
        return;
      }
      ledger.failed(digest, source, failure.reason().name(), failure.getMessage());
      metrics.transferFinished(
          upstream, failure.reason().name(), Duration.ofNanos(System.nanoTime() - started));
      log.warn("{} from {} failed: {}", digest.shortForm(), source, failure.getMessage());
    } finally {
      ledger.releaseWaiters(digest);
      TransferOrder next = replacements.remove(digest);
      if (next != null) {
        submit(next);
      }
    }
  }

  private void transfer(TransferOrder order, Digest digest, Entry entry, boolean upstream)
      throws TransferFailure {
    Optional<BlobWrite> started;
    try {
      started = cache.startWrite(digest, order.size(), order.mediaType());
    } catch (CacheFullException e) {
      throw new TransferFailure(Reason.CacheFull, e.getMessage());
    } catch (IOException e) {
      throw new TransferFailure(Reason.CacheFull, "cannot write to the cache: " + e.getMessage());
    }
    if (started.isEmpty()) {
      // Another order completed it between submit and now; nothing left to fetch.
      return;
    }
    ledger.writeStarted(digest);
    String source = order.source().label();
    try (BlobWrite write = started.get();
        InputStream in = sources.open(order, digest)) {
      Running run =
          new Running(Thread.currentThread(), in, new AtomicBoolean(), new AtomicBoolean());
      running.put(entry, run);
      try {
        copy(in, write, entry, order, upstream, source);
        write.commit();
      } catch (IOException | RegistryException e) {
        throw failureOf(e, run.stalled().get(), source, digest);
      } finally {
        running.remove(entry);
        Thread.interrupted(); // a watchdog interrupt must not leak into the next transfer
      }
    } catch (IOException e) {
      // Closing a source stream after the transfer ended; the outcome is already decided.
      log.debug("closing the stream from {} failed: {}", source, e.toString());
    }
  }

  private void copy(
      InputStream in,
      BlobWrite write,
      Entry entry,
      TransferOrder order,
      boolean upstream,
      String source)
      throws IOException, TransferFailure {
    long size = order.size();
    String owner = order.pinOwner();
    byte[] buffer = new byte[CHUNK_BYTES];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) != -1) {
      if (total + n > size) {
        throw new TransferFailure(
            Reason.SizeMismatch, source + " sent more than the blob's " + size + " bytes");
      }
      try {
        bandwidth.acquireDownload(owner, n);
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException("interrupted while waiting for bandwidth");
      }
      write.write(buffer, 0, n);
      total += n;
      entry.advanced(n);
      metrics.received(upstream, n);
    }
    if (total != size) {
      throw new TransferFailure(
          Reason.SizeMismatch, source + " ended after " + total + " of " + size + " bytes");
    }
  }

  private TransferFailure failureOf(Exception e, boolean stalled, String source, Digest digest) {
    if (stalled) {
      return new TransferFailure(
          Reason.SourceUnreachable,
          source + " sent nothing for " + Duration.ofNanos(stallNanos).toSeconds() + "s");
    }
    if (e instanceof RegistryException registry) {
      Reason reason =
          registry.kind() == RegistryException.Kind.DIGEST_MISMATCH
              ? Reason.DigestMismatch
              : Reason.UpstreamFailed;
      return new TransferFailure(reason, ErrorMessages.of(registry), registry);
    }
    if (e instanceof DigestMismatchException mismatch) {
      return new TransferFailure(
          Reason.DigestMismatch,
          "bytes from "
              + source
              + " hashed to "
              + mismatch.actual()
              + ", not "
              + digest
              + "; discarded");
    }
    return new TransferFailure(
        Reason.SourceUnreachable, source + " broke off: " + ErrorMessages.of(e), e);
  }

  private void cutOffStalled() {
    long now = System.nanoTime();
    running.forEach(
        (entry, run) -> {
          if (now - entry.lastProgressNanos > stallNanos
              && run.stalled().compareAndSet(false, true)) {
            run.cutOff();
          }
        });
  }

  int active() {
    return ledger.inFlightCount();
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
    workers.shutdownNow();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
