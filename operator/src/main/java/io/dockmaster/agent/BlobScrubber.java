package io.dockmaster.agent;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobHandle;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-hashes every complete blob in the cache once per {@link ScrubSchedule#interval}, at the
 * schedule's reading rate, and drops the ones whose bytes no longer match their digest so they are
 * fetched again. Peers' reports catch a bad copy only when a peer reads it; a copy only the node's
 * containerd reads would otherwise fail that pull at containerd's own digest check.
 */
final class BlobScrubber implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BlobScrubber.class);

  private final BlobCache cache;
  private final BlobVerifier verifier;
  private final ScrubSchedule schedule;
  private final AgentMetrics metrics;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "blob-scrub");
            thread.setDaemon(true);
            return thread;
          });
  private volatile boolean closed;

  /** One pass over the blobs complete when it began. */
  private static final class Pass {
    final Iterator<Digest> remaining;
    final long startNanos = System.nanoTime();
    final Map<BlobCheck.Outcome, Integer> blobs = new EnumMap<>(BlobCheck.Outcome.class);
    long bytes;

    Pass(Iterator<Digest> remaining) {
      this.remaining = remaining;
    }
  }

  /**
   * @param firstPassAfter spreads the first pass, so agents started together do not all read their
   *     disks at once
   */
  BlobScrubber(
      BlobCache cache,
      BlobVerifier verifier,
      ScrubSchedule schedule,
      AgentMetrics metrics,
      Duration firstPassAfter) {
    this.cache = cache;
    this.verifier = verifier;
    this.schedule = schedule;
    this.metrics = metrics;
    if (schedule.enabled()) {
      later(this::startPass, firstPassAfter);
    }
  }

  private void startPass() {
    next(new Pass(cache.completeDigests().iterator()));
  }

  private void next(Pass pass) {
    if (closed) {
      return;
    }
    try {
      if (!pass.remaining.hasNext()) {
        finish(pass);
        return;
      }
      Digest digest = pass.remaining.next();
      long size = cache.find(digest).map(BlobHandle::size).orElse(0L);
      verifier.scrub(digest).whenComplete((outcome, error) -> checked(pass, size, outcome, error));
    } catch (RuntimeException e) {
      // The cache closing under a pass, or a bug: either way scrubbing must not stop silently.
      log.warn("scrub pass stopped, starting over in {}: {}", schedule.interval(), e.toString());
      later(this::startPass, schedule.interval());
    }
  }

  private void checked(Pass pass, long size, BlobCheck.Outcome outcome, Throwable error) {
    if (closed) {
      return;
    }
    BlobCheck.Outcome found = error == null ? outcome : BlobCheck.Outcome.UNREADABLE;
    pass.blobs.merge(found, 1, Integer::sum);
    pass.bytes += size;
    metrics.scrubbed(found, size);
    // Paced by what was read: on average the rate, each blob itself read at disk speed.
    later(() -> next(pass), schedule.readTime(size));
  }

  private void finish(Pass pass) {
    Duration took = Duration.ofNanos(System.nanoTime() - pass.startNanos);
    metrics.scrubPassFinished();
    int discarded = pass.blobs.getOrDefault(BlobCheck.Outcome.DISCARDED, 0);
    int unreadable = pass.blobs.getOrDefault(BlobCheck.Outcome.UNREADABLE, 0);
    String summary =
        "Scrubbed "
            + pass.blobs.values().stream().mapToInt(Integer::intValue).sum()
            + " blobs ("
            + pass.bytes
            + " bytes) in "
            + took.toSeconds()
            + " s: "
            + discarded
            + " discarded (fetched again), "
            + unreadable
            + " unreadable";
    if (discarded + unreadable > 0) {
      log.warn(summary);
    } else {
      log.info(summary);
    }
    Duration untilNext = schedule.interval().minus(took);
    later(this::startPass, untilNext.isNegative() ? Duration.ZERO : untilNext);
  }

  private void later(Runnable task, Duration delay) {
    if (closed) {
      return;
    }
    try {
      timer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Closing.
    }
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
  }
}
