package io.dockmaster.agent;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-hashes complete blobs when a peer reported that this agent sent it bad bytes. One at a time on
 * its own thread: a check reads the whole blob from disk, and a burst of reports must neither take
 * the threads that serve peers nor hash the same blob twice at once.
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
  private final Map<Digest, CompletableFuture<BlobCache.Verification>> pending =
      new ConcurrentHashMap<>();

  BlobVerifier(BlobCache cache) {
    this.cache = cache;
  }

  /** Checks each digest (joining a check already queued) and completes when all are done. */
  CompletableFuture<Map<Digest, BlobCache.Verification>> verify(List<Digest> digests) {
    Map<Digest, CompletableFuture<BlobCache.Verification>> checks = new LinkedHashMap<>();
    for (Digest digest : digests) {
      checks.put(
          digest,
          pending.computeIfAbsent(
              digest, d -> CompletableFuture.supplyAsync(() -> check(d), thread)));
    }
    return CompletableFuture.allOf(checks.values().toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              Map<Digest, BlobCache.Verification> outcomes = new LinkedHashMap<>();
              checks.forEach((digest, check) -> outcomes.put(digest, check.join()));
              return outcomes;
            });
  }

  private BlobCache.Verification check(Digest digest) {
    try {
      BlobCache.Verification outcome = cache.verify(digest);
      log.info("Checked blob {} after a peer's report: {}", digest, outcome);
      return outcome;
    } catch (IOException e) {
      // Unreadable is not wrong: the copy stays, and a read that fails fails the peer's transfer.
      log.warn("Could not check blob {}: {}", digest, e.toString());
      return BlobCache.Verification.INTACT;
    } finally {
      pending.remove(digest);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
