package io.dockmaster.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RelayPaceTest {

  private static final long WINDOW = 100;
  private static final long LONG_PATIENCE = Duration.ofSeconds(30).toNanos();

  private final RelayPace pace = new RelayPace();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void aWriterWaitsWhileAFollowerIsMoreThanTheWindowBehind() {
    RelayPace.Follower follower = pace.join(0);

    CompletableFuture<Void> writer = writeUpTo(250, LONG_PATIENCE);

    stillWaiting(writer);
    follower.movedTo(149);
    stillWaiting(writer);
    follower.movedTo(150);
    await().atMost(Duration.ofSeconds(10)).until(writer::isDone);
    assertThat(writer).isNotCompletedExceptionally();
  }

  @Test
  void aFollowerWithinTheWindowDoesNotHoldTheWriter() {
    pace.join(150);

    assertThat(writeUpTo(250, LONG_PATIENCE)).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void theSlowestFollowerIsTheOneWaitedFor() {
    RelayPace.Follower fast = pace.join(0);
    RelayPace.Follower slow = pace.join(0);
    fast.movedTo(240);

    CompletableFuture<Void> writer = writeUpTo(250, LONG_PATIENCE);

    stillWaiting(writer);
    slow.movedTo(200);
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aFollowerThatJoinsFarBehindIsNotWaitedForUntilItCatchesUp() throws Exception {
    assertThat(writeUpTo(1_000, LONG_PATIENCE)).succeedsWithin(Duration.ofSeconds(10));
    RelayPace.Follower late = pace.join(0);

    assertThat(writeUpTo(1_100, LONG_PATIENCE)).succeedsWithin(Duration.ofSeconds(10));
    late.movedTo(1_050);
    CompletableFuture<Void> writer = writeUpTo(1_300, LONG_PATIENCE);

    stillWaiting(writer);
    late.movedTo(1_200);
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aFollowerThatDoesNotMoveIsLetGoAfterThePatience() {
    pace.join(0);
    long patience = Duration.ofSeconds(2).toNanos();

    CompletableFuture<Void> writer = writeUpTo(250, patience);

    stillWaiting(writer);
    await().atMost(Duration.ofSeconds(20)).until(writer::isDone);
    assertThat(writer).isNotCompletedExceptionally();
    // Let go, it no longer holds the writer even further ahead.
    assertThat(writeUpTo(10_000, LONG_PATIENCE)).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aFollowerThatKeepsMovingHoldsTheWriterPastThePatience() {
    RelayPace.Follower follower = pace.join(0);
    long patience = Duration.ofMillis(300).toNanos();
    AtomicLong position = new AtomicLong();

    CompletableFuture<Void> writer = writeUpTo(10_000, patience);

    // Slowly but steadily, as a peer on a slow link reads.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              follower.movedTo(position.incrementAndGet());
              return !writer.isDone();
            });
    follower.movedTo(9_900);
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aFollowerLeavingReleasesTheWriter() {
    RelayPace.Follower follower = pace.join(0);

    CompletableFuture<Void> writer = writeUpTo(250, LONG_PATIENCE);

    stillWaiting(writer);
    follower.leave();
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aWriteThatEndsWhileWaitingFailsTheWait() {
    pace.join(0);

    CompletableFuture<Void> writer = writeUpTo(250, LONG_PATIENCE);

    stillWaiting(writer);
    cancelled.set(true);
    pace.wakeWriter();
    await().atMost(Duration.ofSeconds(10)).until(writer::isDone);
    assertThat(writer)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(UncheckedIOException.class)
        .withMessageContaining("the write ended while waiting for the peers relaying it");
  }

  private CompletableFuture<Void> writeUpTo(long head, long patienceNanos) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            pace.awaitFollowers(head, WINDOW, patienceNanos, cancelled::get);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        threads);
  }

  private static void stillWaiting(CompletableFuture<Void> writer) {
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !writer.isDone());
  }
}
