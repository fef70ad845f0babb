package io.dockmaster.cache;

import static io.dockmaster.cache.BlobCacheTest.content;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.Digest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capacity 1000 bytes, evicting above 900 down to 600; blobs of 200 bytes. */
class BlobCacheEvictionTest {

  private static final CacheLimits LIMITS = new CacheLimits(1000, 0.9, 0.6);

  @TempDir Path directory;

  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private BlobCache cache;
  private int seed;

  @AfterEach
  void closeCache() {
    if (cache != null) {
      cache.close();
    }
  }

  @Test
  void nothingIsEvictedUpToTheHighWatermark() throws Exception {
    cache = BlobCache.open(directory, LIMITS, meters);
    Digest a = store(200);
    Digest b = store(200);
    Digest c = store(200);
    Digest d = store(200);
    Digest e = store(100);

    assertThat(cache.usage().usedBytes()).isEqualTo(900);
    assertThat(cache.completeDigests()).containsExactly(a, b, c, d, e);
    assertThat(meters.scrape()).contains("dockmaster_agent_cache_evictions_total 0.0");
  }

  @Test
  void crossingTheHighWatermarkEvictsLeastRecentlyUsedDownToTheLowWatermark() throws Exception {
    cache = BlobCache.open(directory, LIMITS, meters);
    Digest a = store(200);
    Digest b = store(200);
    Digest c = store(200);
    Digest d = store(200);
    read(a);

    Digest e = store(200);

    // 1000 after e would exceed 900; b and c (least recently used, a was read) go to reach 600.
    assertThat(cache.completeDigests()).containsExactly(d, a, e);
    assertThat(cache.usage().usedBytes()).isEqualTo(600);
    assertThat(directory.resolve("blobs/sha256/" + b.hex())).doesNotExist();
    assertThat(directory.resolve("blobs/sha256/" + c.hex())).doesNotExist();
    assertThat(meters.scrape())
        .contains("dockmaster_agent_cache_evictions_total 2.0")
        .contains("dockmaster_agent_cache_evicted_bytes_total 400.0");
  }

  @Test
  void pinnedBlobsAndBlobsBeingReadAreNeverEvicted() throws Exception {
    cache = BlobCache.open(directory, LIMITS, meters);
    Digest a = store(200);
    Digest b = store(200);
    Digest c = store(200);
    Digest d = store(200);
    cache.pin("mirror-1", Set.of(a));
    cache.pin("mirror-2", Set.of(a, b));
    try (InputStream reading = cache.find(c).orElseThrow().open()) {

      Digest e = store(200);

      assertThat(cache.completeDigests()).containsExactly(a, b, c, e);
      assertThat(cache.isComplete(d)).isFalse();
      assertThat(reading.readAllBytes()).hasSize(200);
    }
    assertThat(cache.usage().pinnedBytes()).isEqualTo(400);
  }

  @Test
  void unpinningMakesBlobsEvictableAgainOnlyWhenNoOwnerPinsThem() throws Exception {
    cache = BlobCache.open(directory, LIMITS, meters);
    Digest a = store(200);
    Digest b = store(200);
    cache.pin("mirror-1", Set.of(a, b));
    cache.pin("mirror-2", Set.of(b));
    store(200);
    store(200);

    cache.unpin("mirror-1");
    Digest e = store(200);

    assertThat(cache.isComplete(a)).as("no longer pinned, least recent").isFalse();
    assertThat(cache.isComplete(b)).as("still pinned by mirror-2").isTrue();
    assertThat(cache.isComplete(e)).isTrue();
    assertThat(cache.usage().pinnedBytes()).isEqualTo(200);
  }

  @Test
  void pinningReplacesTheOwnersPreviousSet() throws Exception {
    cache = BlobCache.open(directory, LIMITS, meters);
    Digest a = store(200);
    Digest b = store(200);
    cache.pin("mirror-1", Set.of(a));

    cache.pin("mirror-1", Set.of(b));

    assertThat(cache.usage().pinnedBytes()).isEqualTo(200);
    store(200);
    store(200);
    store(200);
    assertThat(cache.isComplete(a)).isFalse();
    assertThat(cache.isComplete(b)).isTrue();
  }

  @Test
  void aBlobThatCannotFitIsRefusedWithoutEvictingAnything() throws Exception {
    cache = BlobCache.open(directory, LIMITS, meters);
    Digest a = store(200);
    Digest b = store(200);
    Digest c = store(200);
    cache.pin("mirror-1", Set.of(a, b, c));
    Digest d = store(200);
    Digest big = Digest.sha256(content(500, 99));

    assertThatThrownBy(() -> cache.startWrite(big, 500, null))
        .isInstanceOfSatisfying(
            CacheFullException.class,
            e -> {
              assertThat(e.requestedBytes()).isEqualTo(500);
              assertThat(e.usage().pinnedBytes()).isEqualTo(600);
            })
        .hasMessageContaining("blob cache is full: blob " + big + " needs 500 bytes")
        .hasMessageContaining("800 of the 1000 bytes capacity are in use (600 pinned")
        .hasMessageContaining("raise the cache capacity");

    assertThat(cache.isComplete(d)).as("not evicted in vain").isTrue();
    assertThat(cache.usage().usedBytes()).isEqualTo(800);
    assertThatThrownBy(() -> cache.startWrite(big, 1001, null))
        .isInstanceOf(CacheFullException.class);
  }

  @Test
  void writesInProgressCountAgainstTheCapacity() throws Exception {
    cache = BlobCache.open(directory, LIMITS, meters);
    BlobWrite first = cache.startWrite(Digest.sha256(content(600, 1)), 600, null).orElseThrow();
    assertThat(cache.usage().usedBytes()).isEqualTo(600);

    assertThatThrownBy(() -> cache.startWrite(Digest.sha256(content(500, 2)), 500, null))
        .isInstanceOf(CacheFullException.class)
        .hasMessageContaining("1 writes in progress");

    first.abort("test");
    assertThat(cache.startWrite(Digest.sha256(content(500, 2)), 500, null)).isPresent();
  }

  @Test
  void afterARestartBlobsCountAsUsedInTheOrderTheyWereWritten() throws Exception {
    cache = BlobCache.open(directory, LIMITS, meters);
    Digest a = store(200);
    Digest b = store(200);
    read(a);
    cache.close();
    // Make the write order unambiguous even on file systems with coarse timestamps.
    java.nio.file.Files.setLastModifiedTime(
        directory.resolve("blobs/sha256/" + a.hex()),
        java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    java.nio.file.Files.setLastModifiedTime(
        directory.resolve("blobs/sha256/" + b.hex()),
        java.nio.file.attribute.FileTime.fromMillis(2_000_000));

    cache =
        BlobCache.open(directory, LIMITS, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));

    assertThat(cache.completeDigests()).containsExactly(a, b);
  }

  private Digest store(int size) throws IOException {
    byte[] content = content(size, ++seed);
    Digest digest = Digest.sha256(content);
    try (BlobWrite write = cache.startWrite(digest, size, null).orElseThrow()) {
      write.write(content);
      write.commit();
    }
    return digest;
  }

  private void read(Digest digest) throws IOException {
    try (InputStream in = cache.find(digest).orElseThrow().open()) {
      in.readAllBytes();
    }
  }
}
