package io.dockmaster.agent;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.control.BlobRange;
import io.dockmaster.control.BlobVerifications;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-hashes complete blobs when a peer reported that this agent sent it bad bytes, and for the
 * periodic scrub ({@link BlobScrubber}). One at a time on its own thread: a check reads the whole
 * blob from disk, and a burst of reports must neither take the threads that serve peers nor hash
 * the same blob twice at once.
 */
final class BlobVerifier implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BlobVerifier.class);

  private final BlobCache cache;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "blob-verifier");
            t.setDaemon(true);
            return t;
          });
  private final Map<Digest, CompletableFuture<BlobCheck.Outcome>> pending =
      new ConcurrentHashMap<>();

  private final InventoryChanges changes;

  BlobVerifier(BlobCache cache, InventoryChanges changes) {
    this.cache = cache;
    this.changes = changes;
  }

  /**
   * Checks each digest (joining a check already queued), hashes the ranges asked of those intact,
   * and completes when all are done.
   */
  CompletableFuture<List<BlobCheck>> verify(BlobVerifications request) {
    List<CompletableFuture<BlobCheck>> checks = new ArrayList<>();
    for (String name : request.digests()) {
      Digest digest = Digest.parse(name);
      List<BlobRange> ranges = request.rangesOf(name);
      checks.add(
          pending
              .computeIfAbsent(digest, d -> CompletableFuture.supplyAsync(() -> check(d), thread))
              .thenApplyAsync(outcome -> withRanges(digest, outcome, ranges), thread));
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              List<BlobCheck> outcomes = new ArrayList<>();
              for (CompletableFuture<BlobCheck> check : checks) {
                BlobCheck found = check.join();
                outcomes.add(found);
                log.info(
                    "Checked blob {} after a peer's report: {}", found.digest(), found.outcome());
              }
              return outcomes;
            });
  }

  /** The ranges are hashed only of a copy that checked out: of another, they would tell nothing. */
  private BlobCheck withRanges(Digest digest, BlobCheck.Outcome outcome, List<BlobRange> ranges) {
    if (outcome != BlobCheck.Outcome.INTACT || ranges.isEmpty()) {
      return new BlobCheck(digest.toString(), outcome);
    }
    try {
      return new BlobCheck(digest.toString(), outcome, cache.rangeDigests(digest, ranges));
    } catch (IOException e) {
      log.warn("Could not hash ranges of blob {}: {}", digest, e.toString());
      return new BlobCheck(digest.toString(), outcome);
    }
  }

  /** Checks one blob as part of a scrub (joining a check already queued). */
  CompletableFuture<BlobCheck.Outcome> scrub(Digest digest) {
    return pending.computeIfAbsent(
        digest, d -> CompletableFuture.supplyAsync(() -> check(d), thread));
  }

  private BlobCheck.Outcome check(Digest digest) {
    try {
      BlobCache.Verification outcome = cache.verify(digest);
      return switch (outcome) {
        case INTACT -> BlobCheck.Outcome.INTACT;
        case DISCARDED -> {
          changes.changed();
          yield BlobCheck.Outcome.DISCARDED;
        }
        case ABSENT -> BlobCheck.Outcome.ABSENT;
      };
    } catch (IOException e) {
      // Unreadable is not wrong: the copy stays, and a read that fails fails the peer's transfer.
      log.warn("Could not check blob {}: {}", digest, e.toString());
      return BlobCheck.Outcome.UNREADABLE;
    } finally {
      pending.remove(digest);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
