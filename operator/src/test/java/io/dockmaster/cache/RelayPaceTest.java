package io.dockmaster.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
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
  private static final Duration LONG = Duration.ofSeconds(30);
  private static final RelayLimits PATIENT = new RelayLimits(WINDOW, LONG, LONG);

  private final RelayPace pace = new RelayPace();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void aWriterWaitsWhileAFollowerIsMoreThanTheWindowBehind() {
    RelayPace.Follower follower = pace.join(0, "peer-a");

    CompletableFuture<List<RelayRelease>> writer = writeUpTo(250, PATIENT);

    stillWaiting(writer);
    follower.movedTo(149);
    stillWaiting(writer);
    follower.movedTo(150);
    await().atMost(Duration.ofSeconds(10)).until(writer::isDone);
    assertThat(writer).isNotCompletedExceptionally();
  }

  @Test
  void aFollowerWithinTheWindowDoesNotHoldTheWriter() {
    pace.join(150, "peer-a");

    assertThat(writeUpTo(250, PATIENT)).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void theSlowestFollowerIsTheOneWaitedFor() {
    RelayPace.Follower fast = pace.join(0, "peer-a");
    RelayPace.Follower slow = pace.join(0, "peer-b");
    fast.movedTo(240);

    CompletableFuture<List<RelayRelease>> writer = writeUpTo(250, PATIENT);

    stillWaiting(writer);
    slow.movedTo(200);
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aFollowerThatJoinsFarBehindIsNotWaitedForUntilItCatchesUp() throws Exception {
    assertThat(writeUpTo(1_000, PATIENT)).succeedsWithin(Duration.ofSeconds(10));
    RelayPace.Follower late = pace.join(0, "peer-a");

    assertThat(writeUpTo(1_100, PATIENT)).succeedsWithin(Duration.ofSeconds(10));
    late.movedTo(1_050);
    CompletableFuture<List<RelayRelease>> writer = writeUpTo(1_300, PATIENT);

    stillWaiting(writer);
    late.movedTo(1_200);
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aFollowerThatDoesNotMoveIsLetGoAfterTheStillPatience() {
    pace.join(0, "peer-a");

    CompletableFuture<List<RelayRelease>> writer =
        writeUpTo(250, new RelayLimits(WINDOW, Duration.ofSeconds(2), LONG));

    stillWaiting(writer);
    assertThat(writer)
        .succeedsWithin(Duration.ofSeconds(20))
        .satisfies(
            released -> {
              assertThat(released).hasSize(1);
              assertThat(released.get(0).reader()).isEqualTo("peer-a");
              assertThat(released.get(0).still()).isTrue();
              assertThat(released.get(0).behindBytes()).isEqualTo(250);
            });
    // Let go, it no longer holds the writer even further ahead.
    assertThat(writeUpTo(10_000, PATIENT))
        .succeedsWithin(Duration.ofSeconds(10))
        .isEqualTo(List.of());
  }

  @Test
  void aFollowerThatKeepsMovingIsNotTakenForStandingStill() {
    RelayPace.Follower follower = pace.join(0, "peer-a");
    AtomicLong position = new AtomicLong();

    CompletableFuture<List<RelayRelease>> writer =
        writeUpTo(10_000, new RelayLimits(WINDOW, Duration.ofSeconds(1), LONG));

    keepCrawling(follower, position, writer, Duration.ofSeconds(3));
    follower.movedTo(9_900);
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(List.of());
  }

  @Test
  void aFollowerThatHoldsTheWriterTooLongWithoutCatchingUpIsLetGoAsSlow() {
    RelayPace.Follower follower = pace.join(0, "peer-slow");
    AtomicLong position = new AtomicLong();

    // Moving steadily, as a peer on a slower link reads, but never closer than the window.
    CompletableFuture<List<RelayRelease>> writer =
        writeUpTo(10_000, new RelayLimits(WINDOW, LONG, Duration.ofSeconds(1)));
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              follower.movedTo(position.incrementAndGet());
              return writer.isDone();
            });

    assertThat(writer)
        .succeedsWithin(Duration.ZERO)
        .satisfies(
            released -> {
              assertThat(released).hasSize(1);
              RelayRelease release = released.get(0);
              assertThat(release.reader()).isEqualTo("peer-slow");
              assertThat(release.still()).isFalse();
              assertThat(release.heldFor()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
              assertThat(release.behindBytes()).isGreaterThan(WINDOW);
            });
    // Let go, it is no longer waited for within the window (60 behind), only once it comes within
    // half the window of the head (50 behind).
    assertThat(writeUpTo(20_000, PATIENT)).succeedsWithin(Duration.ofSeconds(10));
    follower.movedTo(19_940);
    assertThat(writeUpTo(20_200, PATIENT)).succeedsWithin(Duration.ofSeconds(10));
    follower.movedTo(20_150);
    CompletableFuture<List<RelayRelease>> again = writeUpTo(20_300, PATIENT);
    stillWaiting(again);
    follower.movedTo(20_200);
    assertThat(again).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(List.of());
  }

  @Test
  void aFollowerThatCatchesUpBetweenHoldsStartsAfreshOnTheSlowPatience() {
    RelayPace.Follower follower = pace.join(0, "peer-a");
    // Each hold stays under the patience however late this thread runs (up to 0.6 s), both
    // together exceed it.
    RelayLimits limits = new RelayLimits(WINDOW, LONG, Duration.ofMillis(1600));

    CompletableFuture<List<RelayRelease>> first = writeUpTo(250, limits);
    stillWaiting(first, Duration.ofSeconds(1));
    follower.movedTo(200);
    assertThat(first).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(List.of());

    // A second second would be 2 s in all had it not caught up to half the window in between.
    CompletableFuture<List<RelayRelease>> second = writeUpTo(400, limits);
    stillWaiting(second, Duration.ofSeconds(1));
    follower.movedTo(400);
    assertThat(second).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(List.of());
  }

  @Test
  void aFollowerLeavingReleasesTheWriter() {
    RelayPace.Follower follower = pace.join(0, "peer-a");

    CompletableFuture<List<RelayRelease>> writer = writeUpTo(250, PATIENT);

    stillWaiting(writer);
    follower.leave();
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aWriteThatEndsWhileWaitingFailsTheWait() {
    pace.join(0, "peer-a");

    CompletableFuture<List<RelayRelease>> writer = writeUpTo(250, PATIENT);

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

  private CompletableFuture<List<RelayRelease>> writeUpTo(long head, RelayLimits limits) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return pace.awaitFollowers(head, limits, cancelled::get);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        threads);
  }

  /**
   * Moves the follower on by a byte every 50 ms for {@code period}, the writer waiting all along.
   */
  private static void keepCrawling(
      RelayPace.Follower follower,
      AtomicLong position,
      CompletableFuture<List<RelayRelease>> writer,
      Duration period) {
    await()
        .during(period)
        .atMost(period.multipliedBy(5))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              follower.movedTo(position.incrementAndGet());
              return !writer.isDone();
            });
  }

  private static void stillWaiting(CompletableFuture<?> writer) {
    stillWaiting(writer, Duration.ofMillis(300));
  }

  private static void stillWaiting(CompletableFuture<?> writer, Duration period) {
    await().during(period).atMost(period.plusSeconds(5)).until(() -> !writer.isDone());
  }
}
