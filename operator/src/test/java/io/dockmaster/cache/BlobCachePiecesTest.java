package io.dockmaster.cache;

import static io.dockmaster.cache.BlobCacheTest.content;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A blob filled in pieces, out of order, by several writes: the path of one large layer. */
class BlobCachePiecesTest {

  private static final long TIMEOUT_SECONDS = 30;

  @TempDir Path directory;

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private BlobCache cache;
  private final byte[] content = content(300_001, 7);
  private final Digest digest = Digest.sha256(content);
  private final List<BlobPiece> pieces =
      List.of(
          new BlobPiece(digest, 0, 100_001),
          new BlobPiece(digest, 100_001, 100_000),
          new BlobPiece(digest, 200_001, 100_000));

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
  void piecesWrittenOutOfOrderMakeTheBlobCompleteOnceAllAreIn() throws Exception {
    BlobWrite last = start(2);
    BlobWrite first = start(0);
    BlobWrite middle = start(1);

    writeAndCommit(last, 2);
    writeAndCommit(first, 0);
    assertThat(cache.isComplete(digest)).isFalse();
    writeAndCommit(middle, 1);

    assertThat(cache.isComplete(digest)).isTrue();
    try (InputStream in = cache.find(digest).orElseThrow().open()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    assertThat(
            Files.readAllBytes(directory.resolve("blobs").resolve("sha256").resolve(digest.hex())))
        .isEqualTo(content);
    assertThat(cache.usage().usedBytes()).isEqualTo(content.length);
    assertThat(cache.usage().inProgress()).isZero();
  }

  @Test
  void aPieceIsReadWhileItArrivesAndEndsWhenItIsWritten() throws Exception {
    BlobWrite write = start(1);
    BlobPiece piece = pieces.get(1);
    InputStream in = cache.find(piece.key()).orElseThrow().open();
    Future<byte[]> received = threads.submit(in::readAllBytes);

    write.write(content, (int) piece.offset(), 50_000);
    await().until(() -> cache.find(piece.key()).orElseThrow().available() == 50_000);
    assertThat(received.isDone()).isFalse();
    write.write(content, (int) piece.offset() + 50_000, 50_000);
    write.commit();

    assertThat(received.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(Arrays.copyOfRange(content, 100_001, 200_001));
    assertThat(cache.find(piece.key()).orElseThrow().isComplete()).isTrue();
    assertThat(cache.isComplete(digest)).isFalse();
  }

  @Test
  void theWholeBlobIsReadFromTheStartAsPiecesArriveThereAndEndsOnlyOnceVerified() throws Exception {
    BlobWrite first = start(0);
    BlobWrite middle = start(1);
    BlobWrite last = start(2);
    BlobHandle whole = cache.find(digest).orElseThrow();
    InputStream in = whole.open();
    Future<byte[]> received = threads.submit(in::readAllBytes);

    writeAndCommit(last, 2);
    writeAndCommit(middle, 1);
    assertThat(whole.available()).isZero();
    writeAndCommit(first, 0);

    assertThat(received.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(content);
  }

  @Test
  void thePrefixAvailableToReadersOfTheBlobGrowsWithPiecesWrittenFromItsStart() throws Exception {
    BlobWrite first = start(0);
    BlobWrite middle = start(1);
    start(2);
    BlobHandle whole = cache.find(digest).orElseThrow();

    writeAndCommit(middle, 1);
    assertThat(whole.available()).isZero();
    writeAndCommit(first, 0);

    assertThat(whole.available()).isEqualTo(200_001);
  }

  @Test
  void piecesThatDoNotAddUpToTheDigestDiscardTheBlobAndAllItsPieces() throws Exception {
    BlobWrite first = start(0);
    BlobWrite middle = start(1);
    BlobWrite last = start(2);
    writeAndCommit(first, 0);
    writeAndCommit(middle, 1);
    byte[] wrong = Arrays.copyOfRange(content, 200_001, 300_001);
    wrong[500] ^= 1;
    last.write(wrong);

    assertThatThrownBy(last::commit)
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(digest.toString());

    assertThat(cache.isComplete(digest)).isFalse();
    assertThat(cache.find(digest)).isEmpty();
    assertThat(cache.find(pieces.get(0).key())).isEmpty();
    assertThat(cache.usage().usedBytes()).isZero();
    assertThat(directory.resolve("incoming").resolve(digest.hex())).doesNotExist();
    assertThat(cache.startWrite(pieces.get(0), content.length, null)).isPresent();
  }

  @Test
  void aPieceGivenMoreOrFewerBytesThanItHasIsDiscarded() throws Exception {
    BlobWrite first = start(0);
    BlobWrite middle = start(1);

    assertThatThrownBy(() -> first.write(new byte[100_002]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("received 100002 of its 100001 bytes");
    middle.write(content, 100_001, 99_999);
    assertThatThrownBy(middle::commit).hasMessageContaining("received 99999 of its 100000 bytes");

    assertThat(first.isOpen()).isFalse();
    assertThat(cache.find(pieces.get(0).key())).isEmpty();
    assertThat(cache.find(pieces.get(1).key())).isEmpty();
    assertThat(cache.startWrite(pieces.get(0), content.length, null)).isPresent();
  }

  @Test
  void aDiscardedPieceLeavesTheOthersAndCanBeWrittenAgain() throws Exception {
    BlobWrite first = start(0);
    BlobWrite middle = start(1);
    BlobWrite last = start(2);
    InputStream middleReader = cache.find(pieces.get(1).key()).orElseThrow().open();
    writeAndCommit(first, 0);

    middle.abort("the source went away");

    assertThatThrownBy(middleReader::readAllBytes).hasMessageContaining("the source went away");
    assertThat(cache.find(pieces.get(1).key())).isEmpty();
    writeAndCommit(last, 2);
    writeAndCommit(start(1), 1);
    assertThat(cache.isComplete(digest)).isTrue();
  }

  @Test
  void whenEveryPieceIsDiscardedBeforeAnyIsWrittenThePartialFileAndItsReservationGo()
      throws Exception {
    BlobWrite first = start(0);
    BlobWrite middle = start(1);

    first.abort("gone");
    assertThat(cache.usage().usedBytes()).isEqualTo(content.length);
    middle.close();

    assertThat(cache.usage().usedBytes()).isZero();
    assertThat(cache.find(digest)).isEmpty();
    assertThat(directory.resolve("incoming").resolve(digest.hex())).doesNotExist();
  }

  @Test
  void onePieceHasOneWriterAndABlobIsWrittenEitherWholeOrInPieces() throws Exception {
    BlobWrite first = start(0);

    assertThat(cache.startWrite(pieces.get(0), content.length, null)).isEmpty();
    assertThat(cache.startWrite(digest, content.length, null)).isEmpty();
    writeAndCommit(first, 0);
    start(1);
    assertThat(cache.startWrite(pieces.get(0), content.length, null)).isEmpty();

    Digest other = Digest.sha256(content(1000, 3));
    try (BlobWrite whole = cache.startWrite(other, 1000, null).orElseThrow()) {
      assertThat(cache.startWrite(new BlobPiece(other, 0, 500), 1000, null)).isEmpty();
      assertThat(whole.isOpen()).isTrue();
    }
  }

  @Test
  void aWholeWriteReplacesPiecesNoLongerBeingWritten() throws Exception {
    writeAndCommit(start(0), 0);
    BlobWrite middle = start(1);
    InputStream firstPiece = cache.find(pieces.get(0).key()).orElseThrow().open();

    assertThat(cache.startWrite(digest, content.length, null))
        .as("not while a piece is being written")
        .isEmpty();
    middle.abort("its source went away");
    try (BlobWrite whole = cache.startWrite(digest, content.length, null).orElseThrow()) {
      whole.write(content);
      whole.commit();
    }

    assertThat(cache.isComplete(digest)).isTrue();
    assertThat(cache.find(pieces.get(0).key())).isEmpty();
    assertThat(cache.usage().usedBytes()).isEqualTo(content.length);
    firstPiece.close();
  }

  @Test
  void noPieceIsStartedOfACompleteBlob() throws Exception {
    try (BlobWrite whole = cache.startWrite(digest, content.length, null).orElseThrow()) {
      whole.write(content);
      whole.commit();
    }

    assertThat(cache.startWrite(pieces.get(1), content.length, null)).isEmpty();
  }

  @Test
  void aPieceOutsideItsBlobOrOfAnotherBlobSizeIsRefused() throws Exception {
    start(0);

    assertThatThrownBy(() -> cache.startWrite(new BlobPiece(digest, 300_000, 2), 300_001, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ends beyond the 300001 bytes");
    assertThatThrownBy(() -> cache.startWrite(pieces.get(1), 400_000, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("its other pieces one of 300001");
  }

  @Test
  void aPieceFoundBeforeItsBlobWasStoredIsStillReadAfterwards() throws Exception {
    BlobWrite first = start(0);
    BlobWrite middle = start(1);
    BlobWrite last = start(2);
    writeAndCommit(first, 0);
    BlobHandle firstPiece = cache.find(pieces.get(0).key()).orElseThrow();
    writeAndCommit(middle, 1);
    writeAndCommit(last, 2);

    try (InputStream in = firstPiece.open()) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 0, 100_001));
    }
  }

  @Test
  void closingTheCacheFailsPiecesBeingWrittenAndTheirReaders() throws Exception {
    BlobWrite first = start(0);
    start(1);
    InputStream whole = cache.find(digest).orElseThrow().open();
    Future<byte[]> reader = threads.submit(whole::readAllBytes);

    cache.close();

    assertThat(first.isOpen()).isFalse();
    await().until(reader::isDone);
    assertThatThrownBy(reader::get).hasMessageContaining("the blob cache was closed");
  }

  @Test
  void aRelayReadingOnePieceHoldsBackThatPiecesWriterOnly() throws Exception {
    BlobWrite first = start(0);
    BlobWrite middle = start(1);
    RelayLimits limits = new RelayLimits(10_000, Duration.ofSeconds(30), Duration.ofSeconds(30));
    cache.find(pieces.get(0).key()).orElseThrow().openRelayChannel(0, 100_001, "node-b");

    first.write(content, 0, 40_000);
    Future<?> held = threads.submit(() -> first.awaitRelays(limits));
    middle.write(content, 100_001, 40_000);
    middle.awaitRelays(limits);

    assertThat(held.isDone()).isFalse();
    held.cancel(true);
  }

  private BlobWrite start(int piece) throws IOException {
    return cache.startWrite(pieces.get(piece), content.length, null).orElseThrow();
  }

  private void writeAndCommit(BlobWrite write, int piece) throws IOException {
    BlobPiece range = pieces.get(piece);
    write.write(content, (int) range.offset(), (int) range.length());
    write.commit();
  }
}
