package io.dockmaster.cache;

import static io.dockmaster.cache.BlobCacheTest.content;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading blobs while they are written: the pipelined distribution path. */
class BlobCacheStreamingTest {

  /** Generous: only reached when a reader wrongly stays blocked. */
  private static final long TIMEOUT_SECONDS = 30;

  @TempDir Path directory;

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private BlobCache cache;

  @BeforeEach
  void openCache() throws IOException {
    cache = BlobCache.open(directory, CacheLimits.ofCapacity(64 << 20), new SimpleMeterRegistry());
  }

  @AfterEach
  void closeCache() {
    cache.close();
    threads.shutdownNow();
  }

  @Test
  void aReaderReceivesBytesAsTheyArriveAndTheEndOnlyAfterVerification() throws Exception {
    byte[] content = content(1 << 20, 1);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    BlobHandle blob = cache.find(digest).orElseThrow();
    assertThat(blob.isComplete()).isFalse();
    InputStream in = blob.open();
    CountDownLatch firstChunkRead = new CountDownLatch(1);
    int chunk = 64 << 10;
    AtomicReference<Thread> reader = new AtomicReference<>();

    Future<byte[]> received =
        threads.submit(
            () -> {
              reader.set(Thread.currentThread());
              byte[] head = in.readNBytes(chunk);
              firstChunkRead.countDown();
              byte[] rest = in.readAllBytes();
              in.close();
              return concat(head, rest);
            });
    Future<?> writer =
        threads.submit(
            () -> {
              write.write(content, 0, chunk);
              // The reader gets the first chunk before anything else is written: true pipelining.
              firstChunkRead.await();
              for (int offset = chunk; offset < content.length; offset += chunk) {
                write.write(content, offset, chunk);
              }
              awaitBlocked(reader.get());
              assertThat(received.isDone()).as("end of stream before the commit").isFalse();
              write.commit();
              return null;
            });

    writer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(received.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(content);
    assertThat(blob.isComplete()).isTrue();
  }

  @Test
  void aRangeReadThroughTheChannelLandsInDirectMemoryAsItArrives() throws Exception {
    byte[] content = content(200_000, 5);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    write.write(content, 0, 100_000);
    ReadableByteChannel channel = cache.find(digest).orElseThrow().openChannel(50_000, 120_000);
    ByteBuffer into = ByteBuffer.allocateDirect(content.length);

    assertThat(channel.read(into)).as("the part of the range that has arrived").isEqualTo(50_000);
    Future<Integer> rest =
        threads.submit(
            () -> {
              int total = 0;
              for (int n; (n = channel.read(into)) != -1; ) {
                total += n;
              }
              return total;
            });
    write.write(content, 100_000, 100_000);
    write.commit();

    assertThat(rest.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(70_000);
    byte[] received = new byte[into.flip().remaining()];
    into.get(received);
    assertThat(received).isEqualTo(Arrays.copyOfRange(content, 50_000, 170_000));
    channel.close();
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void theEndOfAnInProgressBlobWaitsForTheCommit() throws Exception {
    byte[] content = content(10_000, 2);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    InputStream in = cache.find(digest).orElseThrow().open();
    write.write(content);
    AtomicReference<Thread> reader = new AtomicReference<>();

    Future<Integer> end =
        threads.submit(
            () -> {
              reader.set(Thread.currentThread());
              assertThat(in.readNBytes(content.length)).isEqualTo(content);
              return in.read();
            });
    await().atMost(Duration.ofSeconds(TIMEOUT_SECONDS)).until(() -> reader.get() != null);
    awaitBlocked(reader.get());
    assertThat(end.isDone()).as("end of stream before verification").isFalse();

    write.commit();
    assertThat(end.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(-1);
  }

  @Test
  void aReaderOfAnAbortedWriteFailsInsteadOfSeeingAnEnd() throws Exception {
    byte[] content = content(10_000, 3);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    write.write(content, 0, 4000);
    InputStream in = cache.find(digest).orElseThrow().open();
    assertThat(in.readNBytes(4000)).isEqualTo(Arrays.copyOf(content, 4000));

    Future<byte[]> blocked = threads.submit(() -> in.readAllBytes());
    write.abort("upstream connection reset");

    assertThatThrownBy(() -> blocked.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessageContaining("blob " + digest + " was discarded while being written")
        .hasMessageContaining("upstream connection reset");
    assertThatThrownBy(() -> cache.find(digest).orElseThrow())
        .as("gone from the cache")
        .isInstanceOf(java.util.NoSuchElementException.class);
    in.close();
  }

  @Test
  void aReaderOfContentThatFailsVerificationGetsAnErrorNotAnEnd() throws Exception {
    byte[] content = content(10_000, 4);
    byte[] tampered = content.clone();
    tampered[9999] ^= 1;
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    InputStream in = cache.find(digest).orElseThrow().open();
    write.write(tampered);
    assertThat(in.readNBytes(tampered.length)).isEqualTo(tampered);

    Future<Integer> end = threads.submit(() -> in.read());
    assertThatThrownBy(write::commit).isInstanceOf(DigestMismatchException.class);

    assertThatThrownBy(() -> end.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessageContaining("content does not match the digest");
    in.close();
  }

  @Test
  void rangeReadsOfAnInProgressBlobWaitForTheirBytes() throws Exception {
    byte[] content = content(100_000, 5);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    BlobHandle blob = cache.find(digest).orElseThrow();
    Future<byte[]> middle = threads.submit(() -> readAll(blob, 50_000, 20_000));
    Future<byte[]> tail = threads.submit(() -> readAll(blob, 99_000, 1000));

    write.write(content, 0, 60_000);
    await()
        .atMost(Duration.ofSeconds(TIMEOUT_SECONDS))
        .untilAsserted(() -> assertThat(blob.available()).isEqualTo(60_000));
    assertThat(tail.isDone()).as("nothing of the tail written yet").isFalse();
    write.write(content, 60_000, 40_000);
    write.commit();

    assertThat(middle.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(Arrays.copyOfRange(content, 50_000, 70_000));
    assertThat(tail.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(Arrays.copyOfRange(content, 99_000, 100_000));
  }

  @Test
  void manyConcurrentReadersAllReceiveTheWholeBlob() throws Exception {
    byte[] content = content(2 << 20, 6);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    BlobHandle blob = cache.find(digest).orElseThrow();
    List<Future<byte[]>> readers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      readers.add(threads.submit(() -> readAll(blob, 0, content.length)));
    }

    for (int offset = 0; offset < content.length; offset += 100_000) {
      write.write(content, offset, Math.min(100_000, content.length - offset));
    }
    write.commit();
    readers.add(threads.submit(() -> readAll(blob, 0, content.length)));

    for (Future<byte[]> reader : readers) {
      assertThat(reader.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(content);
    }
  }

  @Test
  void closingAStreamFromAnotherThreadWakesItsBlockedReader() throws Exception {
    Digest digest = Digest.sha256(content(100, 7));
    cache.startWrite(digest, 100, null).orElseThrow();
    InputStream in = cache.find(digest).orElseThrow().open();
    AtomicReference<Thread> reader = new AtomicReference<>();
    CompletableFuture<Integer> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              reader.set(Thread.currentThread());
              return readOne(in);
            },
            threads);
    await().atMost(Duration.ofSeconds(TIMEOUT_SECONDS)).until(() -> reader.get() != null);
    awaitBlocked(reader.get());

    in.close();

    assertThatThrownBy(() -> blocked.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(IOException.class)
        .hasRootCauseMessage("stream of blob " + digest + " was closed");
  }

  @Test
  void closingTheCacheFailsReadersOfUnfinishedBlobs() throws Exception {
    Digest digest = Digest.sha256(content(100, 8));
    BlobWrite write = cache.startWrite(digest, 100, null).orElseThrow();
    write.write(new byte[50]);
    InputStream in = cache.find(digest).orElseThrow().open();
    Future<byte[]> blocked = threads.submit(() -> in.readAllBytes());

    cache.close();

    assertThatThrownBy(() -> blocked.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the blob cache was closed");
  }

  @Test
  void aPeerRelayingTheBlobHoldsItsWriterToTheWindowAndAPlainReaderDoesNot() throws Exception {
    byte[] content = content(1 << 20, 9);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    write.write(content, 0, 600 << 10);
    BlobHandle blob = cache.find(digest).orElseThrow();
    ReadableByteChannel plain = blob.openChannel(0, content.length);
    ReadableByteChannel relay = blob.openRelayChannel(0, content.length, "peer-a");
    // A peer that asked for the first 100 KiB only and has them needs nothing more.
    ReadableByteChannel ranged = blob.openRelayChannel(0, 100 << 10, "peer-a");
    ranged.read(ByteBuffer.allocate(100 << 10));

    CompletableFuture<Void> writer = awaitRelays(write, 256 << 10);

    stillWaiting(writer);
    relay.read(ByteBuffer.allocate(300 << 10));
    stillWaiting(writer);
    relay.read(ByteBuffer.allocate(100 << 10));
    assertThat(writer).succeedsWithin(Duration.ofSeconds(TIMEOUT_SECONDS));
    plain.close();
    relay.close();
    ranged.close();
  }

  @Test
  void closingTheRelayingStreamReleasesTheWriter() throws Exception {
    HeldWrite held = writeHeldByAPeerReadingNothing(10);

    held.relay().close();
    assertThat(held.writer()).succeedsWithin(Duration.ofSeconds(TIMEOUT_SECONDS));
  }

  @Test
  void abortingTheWriteEndsItsWaitForRelays() throws Exception {
    HeldWrite held = writeHeldByAPeerReadingNothing(11);

    held.write().abort("replaced");
    assertThatThrownBy(() -> held.writer().get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(IOException.class)
        .hasRootCauseMessage("the write ended while waiting for the peers relaying it");
    held.relay().close();
  }

  /** A write, the stream of a peer relaying its blob, and the write's wait for that peer. */
  private record HeldWrite(
      BlobWrite write, ReadableByteChannel relay, CompletableFuture<Void> writer) {}

  /** A 1 MiB blob 600 KiB written, whose writer waits for a relaying peer that read nothing. */
  private HeldWrite writeHeldByAPeerReadingNothing(int seed) throws IOException {
    Digest digest = Digest.sha256(content(1 << 20, seed));
    BlobWrite write = cache.startWrite(digest, 1 << 20, null).orElseThrow();
    write.write(new byte[600 << 10]);
    ReadableByteChannel relay =
        cache.find(digest).orElseThrow().openRelayChannel(0, 1 << 20, "peer-a");
    CompletableFuture<Void> writer = awaitRelays(write, 256 << 10);
    stillWaiting(writer);
    return new HeldWrite(write, relay, writer);
  }

  private CompletableFuture<Void> awaitRelays(BlobWrite write, long window) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            Duration patience = Duration.ofSeconds(2 * TIMEOUT_SECONDS);
            write.awaitRelays(new RelayLimits(window, patience, patience));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        threads);
  }

  private static void stillWaiting(CompletableFuture<Void> writer) {
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(TIMEOUT_SECONDS))
        .until(() -> !writer.isDone());
  }

  /** Waits until {@code thread} blocks waiting for bytes (an idle pool thread waits timed). */
  private static void awaitBlocked(Thread thread) {
    await()
        .atMost(Duration.ofSeconds(TIMEOUT_SECONDS))
        .until(() -> thread.getState() == Thread.State.WAITING);
  }

  private static byte[] readAll(BlobHandle blob, long offset, long length) throws IOException {
    try (InputStream in = blob.open(offset, length)) {
      return in.readAllBytes();
    }
  }

  private static int readOne(InputStream in) {
    try {
      return in.read();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] concat(byte[] head, byte[] rest) {
    byte[] all = Arrays.copyOf(head, head.length + rest.length);
    System.arraycopy(rest, 0, all, head.length, rest.length);
    return all;
  }
}
