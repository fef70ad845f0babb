package io.dockmaster.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.Digest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobCacheTest {

  private static final String LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

  @TempDir Path directory;

  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private BlobCache cache;

  @AfterEach
  void closeCache() {
    if (cache != null) {
      cache.close();
    }
  }

  @Test
  void storesBlobsByDigestAndReadsThemBackByteIdentical() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] content = content(100_000, 1);
    Digest digest = Digest.sha256(content);

    try (BlobWrite write = cache.startWrite(digest, content.length, LAYER).orElseThrow()) {
      write.write(content, 0, 40_000);
      write.write(ByteBuffer.wrap(content, 40_000, 60_000));
      assertThat(write.written()).isEqualTo(content.length);
      write.commit();
    }

    BlobHandle blob = cache.find(digest).orElseThrow();
    assertThat(blob.isComplete()).isTrue();
    assertThat(blob.size()).isEqualTo(content.length);
    assertThat(blob.available()).isEqualTo(content.length);
    assertThat(blob.mediaType()).contains(LAYER);
    try (InputStream in = blob.open()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    assertThat(cache.isComplete(digest)).isTrue();
    assertThat(cache.completeDigests()).containsExactly(digest);
    assertThat(Files.readAllBytes(directory.resolve("blobs/sha256/" + digest.hex())))
        .isEqualTo(content);
    assertThat(directory.resolve("incoming")).isEmptyDirectory();
    assertThat(cache.usage()).isEqualTo(new CacheUsage(content.length, 1 << 20, 0, 1, 0));
  }

  @Test
  void theEmptyBlobCanBeStoredAndRead() throws Exception {
    cache = open(CacheLimits.ofCapacity(1024));
    Digest empty = Digest.sha256(new byte[0]);

    cache.startWrite(empty, 0, null).orElseThrow().commit();

    try (InputStream in = cache.find(empty).orElseThrow().open()) {
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(cache.find(empty).orElseThrow().mediaType()).isEmpty();
  }

  @Test
  void wrongContentIsDiscardedCountedAndReported() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] content = content(1000, 2);
    byte[] tampered = content.clone();
    tampered[500] ^= 1;
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, LAYER).orElseThrow();
    write.write(tampered);

    assertThatThrownBy(write::commit)
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(digest);
              assertThat(e.actual()).isEqualTo(Digest.sha256(tampered));
              assertThat(e.actualSize()).isEqualTo(content.length);
            })
        .hasMessageContaining("blob " + digest + " failed verification")
        .hasMessageContaining("digest " + Digest.sha256(tampered))
        .hasMessageContaining("discarded");

    assertThat(cache.find(digest)).isEmpty();
    assertThat(directory.resolve("incoming")).isEmptyDirectory();
    assertThat(directory.resolve("blobs/sha256")).isEmptyDirectory();
    assertThat(cache.usage().usedBytes()).isZero();
    assertThat(meters.scrape()).contains("dockmaster_agent_cache_digest_mismatches_total 1.0");
    assertThatThrownBy(() -> write.write(content))
        .as("a discarded write stays discarded")
        .isInstanceOf(IOException.class)
        .hasMessageContaining("was discarded");
  }

  @Test
  void shortContentFailsVerificationAndLongContentIsRefusedAtOnce() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] content = content(1000, 3);
    Digest digest = Digest.sha256(content);

    BlobWrite shortWrite = cache.startWrite(digest, content.length, null).orElseThrow();
    shortWrite.write(Arrays.copyOf(content, 999));
    assertThatThrownBy(shortWrite::commit)
        .isInstanceOfSatisfying(
            DigestMismatchException.class, e -> assertThat(e.actualSize()).isEqualTo(999));

    BlobWrite longWrite = cache.startWrite(digest, content.length, null).orElseThrow();
    longWrite.write(content, 0, 600);
    assertThatThrownBy(() -> longWrite.write(content, 0, 600))
        .isInstanceOfSatisfying(
            DigestMismatchException.class, e -> assertThat(e.actualSize()).isEqualTo(1200))
        .hasMessageContaining("at least 1200 bytes");
    assertThat(longWrite.written()).isEqualTo(600);
    assertThat(cache.find(digest)).isEmpty();
    assertThat(meters.scrape()).contains("dockmaster_agent_cache_digest_mismatches_total 2.0");
  }

  @Test
  void onlyOneWriterPerDigestAndAnAbortedWriteCanBeRetried() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] content = content(5000, 4);
    Digest digest = Digest.sha256(content);

    BlobWrite first = cache.startWrite(digest, content.length, null).orElseThrow();
    assertThat(cache.startWrite(digest, content.length, null)).as("while writing").isEmpty();
    first.write(content, 0, 100);
    first.abort("upstream connection reset");
    assertThat(cache.find(digest)).isEmpty();
    assertThat(cache.usage().usedBytes()).as("reservation released").isZero();

    try (BlobWrite retry = cache.startWrite(digest, content.length, null).orElseThrow()) {
      retry.write(content);
      retry.commit();
    }
    assertThat(cache.startWrite(digest, content.length, null)).as("once complete").isEmpty();
    try (InputStream in = cache.find(digest).orElseThrow().open()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
  }

  @Test
  void closingAWriteWithoutCommitDiscardsIt() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] content = content(100, 5);
    Digest digest = Digest.sha256(content);

    try (BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow()) {
      write.write(content);
    }

    assertThat(cache.find(digest)).isEmpty();
    assertThat(directory.resolve("incoming")).isEmptyDirectory();
  }

  @Test
  void committingTwiceIsAProgrammingError() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] content = content(100, 6);
    BlobWrite write = cache.startWrite(Digest.sha256(content), 100, null).orElseThrow();
    write.write(content);
    write.commit();

    assertThatThrownBy(write::commit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already committed");
    write.close();
    assertThat(cache.isComplete(Digest.sha256(content))).as("close after commit keeps it").isTrue();
  }

  @Test
  void rangeReadsOfACompleteBlob() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] content = content(10_000, 7);
    Digest digest = store(content, null);
    BlobHandle blob = cache.find(digest).orElseThrow();

    try (InputStream in = blob.open(1234, 5000)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 1234, 6234));
    }
    try (InputStream in = blob.open(9999, 1)) {
      assertThat(in.read()).isEqualTo(content[9999] & 0xff);
      assertThat(in.read()).isEqualTo(-1);
    }
    try (InputStream in = blob.open(10_000, 0)) {
      assertThat(in.read()).isEqualTo(-1);
    }
    try (InputStream in = blob.open(0, 10_000)) {
      assertThat(in.skip(9000)).isEqualTo(9000);
      assertThat(in.available()).isEqualTo(1000);
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 9000, 10_000));
    }
    assertThatThrownBy(() -> blob.open(9000, 1001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("range offset=9000 length=1001 is outside blob " + digest)
        .hasMessageContaining("of 10000 bytes");
    assertThatThrownBy(() -> blob.open(-1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> blob.open(1, Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void reopeningKeepsCompleteBlobsWithTheirMediaTypeAndDropsPartialOnes(@TempDir Path crashed)
      throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] kept = content(3000, 8);
    byte[] partial = content(3000, 9);
    Digest keptDigest = store(kept, "application/vnd.oci.image.config.v1+json");
    Digest partialDigest = Digest.sha256(partial);
    BlobWrite unfinished = cache.startWrite(partialDigest, partial.length, LAYER).orElseThrow();
    unfinished.write(partial, 0, 1000);
    // A crash leaves the files as they are right now, with nothing aborted.
    copyTree(directory, crashed);
    Files.writeString(
        crashed.resolve("blobs/sha256/" + "ab".repeat(32) + ".mediatype"), "orphan/type");
    Files.write(crashed.resolve("blobs/sha256/" + "cd".repeat(32)), new byte[0]);

    try (BlobCache reopened = BlobCache.open(crashed, CacheLimits.ofCapacity(1 << 20), meters())) {
      assertThat(reopened.completeDigests()).containsExactly(keptDigest);
      BlobHandle blob = reopened.find(keptDigest).orElseThrow();
      assertThat(blob.mediaType()).contains("application/vnd.oci.image.config.v1+json");
      try (InputStream in = blob.open()) {
        assertThat(in.readAllBytes()).isEqualTo(kept);
      }
      assertThat(reopened.find(partialDigest)).isEmpty();
      assertThat(reopened.usage().usedBytes()).isEqualTo(kept.length);
    }
    assertThat(crashed.resolve("incoming")).isEmptyDirectory();
    assertThat(crashed.resolve("blobs/sha256/" + "ab".repeat(32) + ".mediatype"))
        .as("orphan media type")
        .doesNotExist();
    assertThat(crashed.resolve("blobs/sha256/" + "cd".repeat(32)))
        .as("empty file that is not the empty blob")
        .doesNotExist();
  }

  @Test
  void closingTheCacheDiscardsWritesInProgress() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] content = content(3000, 10);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    write.write(content);

    cache.close();

    assertThatThrownBy(write::commit)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the blob cache was closed");
    assertThat(directory.resolve("incoming")).isEmptyDirectory();
    assertThat(directory.resolve("blobs/sha256")).isEmptyDirectory();
    assertThatThrownBy(() -> cache.find(digest)).isInstanceOf(IllegalStateException.class);
    assertThat(meters.scrape()).doesNotContain("dockmaster_agent_cache_used_bytes");
  }

  @Test
  void refusesHostileInputWithClearMessages() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    Digest sha512 = Digest.parse("sha512:" + "a".repeat(128));
    Digest digest = Digest.sha256(new byte[] {1});

    assertThatThrownBy(() -> cache.startWrite(sha512, 10, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sha256 blobs only, got sha512:");
    assertThat(cache.find(sha512)).isEmpty();
    assertThatThrownBy(() -> cache.startWrite(digest, -1, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expectedSize of blob " + digest + " must not be negative, got -1");
    assertThatThrownBy(() -> cache.startWrite(digest, 1, "text/plain\n../../etc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mediaType \"text/plain?../../etc\" is not a valid media type");
    assertThatThrownBy(() -> cache.startWrite(digest, 1, "a/" + "b".repeat(300)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 255 characters");
    assertThat(cache.usage().inProgress()).as("nothing was started").isZero();
  }

  @Test
  void refusesADirectoryItCannotWrite() throws Exception {
    Path notADirectory = Files.writeString(directory.resolve("file"), "x");

    assertThatThrownBy(() -> BlobCache.open(notADirectory, CacheLimits.ofCapacity(1024), meters()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("blob cache directory " + notADirectory + " is not usable")
        .hasMessageContaining("point the agent's cache directory at a writable directory");
  }

  @Test
  void aBlobThatRottedOnDiskIsDroppedWhenCheckedAndAnIntactOneKept() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    byte[] good = content(200_000, 21);
    Digest intact = store(good, LAYER);
    Digest rotten = store(content(100_000, 22), LAYER);
    Path file = directory.resolve("blobs/sha256/" + rotten.hex());
    byte[] bytes = Files.readAllBytes(file);
    bytes[50_000] ^= 0x01;
    Files.write(file, bytes);
    long usedBefore = cache.usage().usedBytes();

    assertThat(cache.verify(intact)).isEqualTo(BlobCache.Verification.INTACT);
    assertThat(cache.verify(rotten)).isEqualTo(BlobCache.Verification.DISCARDED);

    assertThat(cache.isComplete(rotten)).isFalse();
    assertThat(cache.find(rotten)).isEmpty();
    assertThat(file).doesNotExist();
    assertThat(cache.usage().usedBytes()).isEqualTo(usedBefore - bytes.length);
    assertThat(cache.verify(rotten)).isEqualTo(BlobCache.Verification.ABSENT);
    assertThat(meters.scrape()).contains("dockmaster_agent_cache_digest_mismatches_total 1.0");
    try (InputStream in = cache.find(intact).orElseThrow().open()) {
      assertThat(in.readAllBytes()).isEqualTo(good);
    }
    // Dropped, it can be stored again, verified as it is written.
    store(content(100_000, 22), LAYER);
    assertThat(cache.isComplete(rotten)).isTrue();
  }

  @Test
  void reportsSizeAndCapacityAsGauges() throws Exception {
    cache = open(CacheLimits.ofCapacity(1 << 20));
    Digest digest = store(content(1000, 11), null);
    cache.pin("mirror-uid", Set.of(digest));
    cache.startWrite(Digest.sha256(content(500, 12)), 500, null).orElseThrow();

    assertThat(meters.scrape())
        .contains("dockmaster_agent_cache_used_bytes 1500.0")
        .contains("dockmaster_agent_cache_capacity_bytes 1048576.0")
        .contains("dockmaster_agent_cache_pinned_bytes 1000.0")
        .contains("dockmaster_agent_cache_blobs 1.0")
        .contains("dockmaster_agent_cache_writes_in_progress 1.0")
        .contains("dockmaster_agent_cache_evictions_total 0.0")
        .contains("dockmaster_agent_cache_evicted_bytes_total 0.0");
  }

  private BlobCache open(CacheLimits limits) throws IOException {
    return BlobCache.open(directory, limits, meters);
  }

  private Digest store(byte[] content, String mediaType) throws IOException {
    Digest digest = Digest.sha256(content);
    try (BlobWrite write = cache.startWrite(digest, content.length, mediaType).orElseThrow()) {
      write.write(content);
      write.commit();
    }
    return digest;
  }

  private static PrometheusMeterRegistry meters() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  static byte[] content(int size, long seed) {
    byte[] content = new byte[size];
    new Random(seed).nextBytes(content);
    return content;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }
}
