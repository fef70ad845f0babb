package io.dockmaster.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A response body read as a blocking stream, fed from the test's threads as a source feeds it. */
class StreamedBodyTest {

  private static final int HIGH_WATER = 512 * 1024;
  private static final int LOW_WATER = 128 * 1024;

  /** What the body told its source. */
  private static final class Told implements StreamedBody.Source {
    volatile boolean delivering = true;
    volatile boolean aborted;

    @Override
    public void pause() {
      delivering = false;
    }

    @Override
    public void resume() {
      delivering = true;
    }

    @Override
    public void abort() {
      aborted = true;
    }
  }

  private final Told source = new Told();
  private final StreamedBody body = new StreamedBody(source, HIGH_WATER, LOW_WATER);
  private final List<ByteBuf> fed = new ArrayList<>();

  private void arrive(String text) {
    ByteBuf piece = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    fed.add(piece);
    body.arrived(piece);
  }

  @Test
  void bytesThatArrivedAreHandedOverBeforeTheRest() throws Exception {
    arrive("x".repeat(100));

    // The sender paused after 100 bytes: the reader gets them now, not at the end of the body.
    byte[] into = new byte[8192];
    assertThat(body.read(into)).isEqualTo(100);
    assertThat(fed.get(0).refCnt()).as("a piece read is given back to its pool").isZero();
  }

  @Test
  void aBodyArrivingInSmallPiecesReadsWholeAndEnds() throws Exception {
    CompletableFuture<byte[]> all =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return body.readAllBytes();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    for (int i = 0; i < 2000; i++) {
      arrive("y".repeat(100));
    }
    body.ended();

    assertThat(all.get(30, TimeUnit.SECONDS)).hasSize(200_000);
    assertThat(body.read()).isEqualTo(-1);
    body.close();
    assertThat(source.aborted).as("a body read to its end aborts nothing").isFalse();
  }

  @Test
  void theSourcePausesWhileTooMuchWaitsAndResumesOnceMostWasRead() throws Exception {
    String piece = "p".repeat(64 * 1024);
    for (int queued = 0; queued < HIGH_WATER; queued += piece.length()) {
      assertThat(source.delivering).isTrue();
      arrive(piece);
    }
    assertThat(source.delivering).as("paused at the high water mark").isFalse();
    ByteBuf more = Unpooled.copiedBuffer("more", StandardCharsets.US_ASCII);
    assertThat(body.arrived(more)).as("a piece past the mark wants no more").isFalse();

    body.readNBytes(HIGH_WATER + 4 - LOW_WATER - 1);
    assertThat(source.delivering).as("still above the low water mark").isFalse();
    body.readNBytes(1);

    assertThat(source.delivering).as("resumed at the low water mark").isTrue();
  }

  @Test
  void closingBeforeTheEndAbortsTheSourceAndGivesBackWhatWasQueued() throws Exception {
    arrive("a".repeat(100));
    arrive("b".repeat(100));

    body.close();

    assertThat(fed).allSatisfy(piece -> assertThat(piece.refCnt()).isZero());
    assertThat(source.aborted).isTrue();
    ByteBuf late = Unpooled.copiedBuffer("late", StandardCharsets.US_ASCII);
    assertThat(body.arrived(late)).isFalse();
    assertThat(late.refCnt()).as("a piece arriving after the close is dropped").isZero();
    assertThatThrownBy(() -> body.read(new byte[10])).hasMessage("the response body was closed");
  }

  @Test
  void aFailureComesAfterTheBytesThatArrivedBeforeIt() throws Exception {
    arrive("z".repeat(10));
    body.failed(new IOException("the connection closed before the end of the body"));

    assertThat(body.readNBytes(10)).hasSize(10);
    assertThatThrownBy(() -> body.read(new byte[10]))
        .isInstanceOf(IOException.class)
        .hasMessage("the connection closed before the end of the body");
  }

  @Test
  void aByteBufferReadTakesEveryQueuedPieceThatFits() throws Exception {
    StringBuilder sent = new StringBuilder();
    for (char c = 'a'; c < 'l'; c++) {
      arrive(String.valueOf(c).repeat(100));
      sent.append(String.valueOf(c).repeat(100));
    }
    ByteBuffer first = ByteBuffer.allocateDirect(150);
    ByteBuffer rest = ByteBuffer.allocateDirect(5000);

    assertThat(body.read(first)).as("across the first two pieces").isEqualTo(150);
    assertThat(body.read(rest)).as("every piece queued, in one read").isEqualTo(950);
    assertThat(text(first) + text(rest)).isEqualTo(sent.toString());
    assertThat(body.available()).isZero();
  }

  private static String text(ByteBuffer buffer) {
    return StandardCharsets.US_ASCII.decode(buffer.flip()).toString();
  }
}
