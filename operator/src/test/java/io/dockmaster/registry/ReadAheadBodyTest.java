package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A response body that reads ahead of its reader, fed as the JDK's HTTP client feeds it. */
class ReadAheadBodyTest {

  /** Counts what the body asks for, as the HTTP client's subscription would. */
  private static final class Asked implements Flow.Subscription {
    final AtomicInteger pieces = new AtomicInteger();
    final AtomicBoolean cancelled = new AtomicBoolean();

    @Override
    public void request(long n) {
      pieces.addAndGet((int) n);
    }

    @Override
    public void cancel() {
      cancelled.set(true);
    }
  }

  private final ReadAheadBody subscriber = new ReadAheadBody(1000);
  private final InputStream body = subscriber.getBody().toCompletableFuture().join();
  private final Asked asked = new Asked();

  private static List<ByteBuffer> piece(String text) {
    return List.of(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void itKeepsAskingForMoreWithoutAReaderUntilItsBufferIsFull() throws Exception {
    subscriber.onSubscribe(asked);
    assertThat(asked.pieces).hasValue(1);

    for (int i = 1; i <= 3; i++) {
      subscriber.onNext(piece("x".repeat(300)));
      assertThat(asked.pieces)
          .as("asked again after piece %d with nobody reading", i)
          .hasValue(i + 1);
    }
    subscriber.onNext(piece("x".repeat(300)));

    assertThat(asked.pieces).as("1,200 of 1,000 bytes waiting: no more").hasValue(4);
    assertThat(body.available()).isEqualTo(1200);
  }

  @Test
  void readingDownToAQuarterOfTheLimitAsksAgain() throws Exception {
    subscriber.onSubscribe(asked);
    subscriber.onNext(piece("a".repeat(600)));
    subscriber.onNext(piece("b".repeat(600)));
    assertThat(asked.pieces).hasValue(2);

    assertThat(body.readNBytes(900)).hasSize(900);
    assertThat(asked.pieces).as("300 waiting: above a quarter of the limit").hasValue(2);
    assertThat(body.readNBytes(50)).hasSize(50);
    assertThat(asked.pieces).as("250 waiting: reading resumed").hasValue(3);
  }

  @Test
  void theBytesComeInOrderAndTheEndAfterThem() throws Exception {
    subscriber.onSubscribe(asked);
    subscriber.onNext(List.of(ByteBuffer.wrap("ab".getBytes()), ByteBuffer.wrap("cd".getBytes())));
    subscriber.onNext(piece("ef"));
    subscriber.onComplete();

    assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("abcdef");
    assertThat(body.read()).isEqualTo(-1);
    assertThat(asked.cancelled).as("a body read to its end is not cancelled").isFalse();
  }

  @Test
  void aFailureComesAfterTheBytesThatArrivedBeforeIt() throws Exception {
    subscriber.onSubscribe(asked);
    subscriber.onNext(piece("0123456789"));
    subscriber.onError(new IOException("connection reset"));

    assertThat(body.readNBytes(10)).hasSize(10);
    assertThatThrownBy(body::read).isInstanceOf(IOException.class).hasMessage("connection reset");
  }

  @Test
  void closingBeforeTheEndCancelsTheResponseAndDropsWhatWaits() throws Exception {
    subscriber.onSubscribe(asked);
    subscriber.onNext(piece("0123456789"));

    body.close();
    subscriber.onNext(piece("late"));

    assertThat(asked.cancelled).isTrue();
    assertThat(body.available()).isZero();
    assertThatThrownBy(body::read).hasMessage("the response body was closed");
  }

  @Test
  void aReaderWaitsForTheFirstBytesAndAnInterruptEndsTheWait() throws Exception {
    subscriber.onSubscribe(asked);
    Thread main = Thread.currentThread();
    CompletableFuture<Void> feeder =
        CompletableFuture.runAsync(
            () -> {
              await().until(() -> main.getState() == Thread.State.WAITING);
              subscriber.onNext(piece("late bytes"));
            });

    assertThat(body.readNBytes(10)).isEqualTo("late bytes".getBytes(StandardCharsets.US_ASCII));
    feeder.get(10, TimeUnit.SECONDS);

    CompletableFuture<Void> interrupter =
        CompletableFuture.runAsync(
            () -> {
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> main.getState() == Thread.State.WAITING);
              main.interrupt();
            });
    assertThatThrownBy(body::read).isInstanceOf(InterruptedIOException.class);
    assertThat(Thread.interrupted()).isTrue();
    interrupter.get(10, TimeUnit.SECONDS);
  }
}
