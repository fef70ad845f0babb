package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

  private final RetryPolicy policy =
      new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10));

  @Test
  void backoffDoublesUpToTheCap() {
    // random() == 1 approaches the top of the jitter range, 0 the bottom.
    assertThat(policy.backoff(1, () -> 0.0)).isEqualTo(Duration.ofMillis(50));
    assertThat(policy.backoff(1, () -> 0.999_999)).isEqualTo(Duration.ofMillis(99));
    assertThat(policy.backoff(2, () -> 0.0)).isEqualTo(Duration.ofMillis(100));
    assertThat(policy.backoff(3, () -> 0.0)).isEqualTo(Duration.ofMillis(200));
    assertThat(policy.backoff(4, () -> 0.0)).isEqualTo(Duration.ofMillis(400));
    assertThat(policy.backoff(5, () -> 0.0)).isEqualTo(Duration.ofMillis(500));
    assertThat(policy.backoff(60, () -> 0.999_999)).isLessThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void jitterSpreadsDelaysWithinHalfAndFull() {
    for (double r = 0; r < 1; r += 0.1) {
      double random = r;
      assertThat(policy.backoff(3, () -> random))
          .isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    }
  }

  @Test
  void attemptsAreBounded() {
    assertThat(policy.canRetry(1)).isTrue();
    assertThat(policy.canRetry(4)).isTrue();
    assertThat(policy.canRetry(5)).isFalse();
    assertThat(RetryPolicy.NONE.canRetry(1)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 502, 503, 504})
  void retriesThrottlingAndServerErrors(int status) {
    assertThat(RetryPolicy.isRetryableStatus(status)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 301, 400, 401, 403, 404, 405, 416, 501, 505})
  void neverRetriesAnswers(int status) {
    assertThat(RetryPolicy.isRetryableStatus(status)).isFalse();
  }

  @Test
  void parsesRetryAfterSecondsAndDates() {
    Clock clock = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    assertThat(RetryPolicy.parseRetryAfter("7", clock)).contains(Duration.ofSeconds(7));
    assertThat(RetryPolicy.parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", clock))
        .contains(Duration.ofSeconds(30));
    assertThat(RetryPolicy.parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", clock))
        .contains(Duration.ZERO);
    assertThat(RetryPolicy.parseRetryAfter("soon", clock)).isEmpty();
    assertThat(RetryPolicy.parseRetryAfter("-3", clock)).isEmpty();
    assertThat(RetryPolicy.parseRetryAfter(null, clock)).isEmpty();
  }

  @Test
  void honorsRetryAfterUpToTheLimit() {
    assertThat(policy.honorRetryAfter(Duration.ofSeconds(3), Duration.ofMillis(100)))
        .contains(Duration.ofSeconds(3));
    assertThat(policy.honorRetryAfter(Duration.ZERO, Duration.ofMillis(100)))
        .as("never sooner than our own backoff")
        .contains(Duration.ofMillis(100));
    assertThat(policy.honorRetryAfter(Duration.ofMinutes(5), Duration.ofMillis(100))).isEmpty();
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO))
        .hasMessageContaining("maxAttempts");
    assertThatThrownBy(
            () -> new RetryPolicy(1, Duration.ofSeconds(-1), Duration.ZERO, Duration.ZERO))
        .hasMessageContaining("negative");
  }
}
