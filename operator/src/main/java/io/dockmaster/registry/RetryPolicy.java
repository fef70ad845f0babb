package io.dockmaster.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Bounded retries with exponential backoff and jitter, for connection failures, 5xx and 429. Other
 * 4xx are answers, not failures, and are never retried.
 *
 * @param maxAttempts total attempts including the first; 1 disables retries
 * @param initialBackoff delay before the first retry, before jitter
 * @param maxBackoff ceiling of the exponential delay
 * @param maxRetryAfter the longest {@code Retry-After} we wait for; longer means give up now
 */
public record RetryPolicy(
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter) {

  public static final RetryPolicy DEFAULT =
      new RetryPolicy(4, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30));

  public static final RetryPolicy NONE =
      new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (initialBackoff.isNegative() || maxBackoff.isNegative() || maxRetryAfter.isNegative()) {
      throw new IllegalArgumentException("retry durations must not be negative");
    }
  }

  /**
   * Whether an attempt numbered {@code attempt} (1-based) that failed may be followed by another.
   */
  public boolean canRetry(int attempt) {
    return attempt < maxAttempts;
  }

  /** 429 and the 5xx that mean "try again"; 501 or 505 will not change on a retry. */
  public static boolean isRetryableStatus(int status) {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
  }

  /**
   * How long to wait after failed attempt {@code attempt} (1-based). "Equal jitter": half the
   * exponential delay is fixed, half random, so retries from many clients spread out but still back
   * off.
   *
   * @param random uniform in [0, 1)
   */
  public Duration backoff(int attempt, DoubleSupplier random) {
    long initial = initialBackoff.toMillis();
    long cap = maxBackoff.toMillis();
    int exponent = Math.min(attempt - 1, 30);
    long exponential = Math.min(cap, initial * (1L << exponent));
    long half = exponential / 2;
    return Duration.ofMillis(half + (long) (random.getAsDouble() * (exponential - half)));
  }

  /**
   * The delay to wait for a response that asked for {@code retryAfter}, or empty if that is longer
   * than {@link #maxRetryAfter()}.
   */
  public Optional<Duration> honorRetryAfter(Duration retryAfter, Duration backoff) {
    if (retryAfter.compareTo(maxRetryAfter) > 0) {
      return Optional.empty();
    }
    return Optional.of(retryAfter.compareTo(backoff) > 0 ? retryAfter : backoff);
  }

  /** Parses a {@code Retry-After} header: delay seconds or an HTTP date. */
  public static Optional<Duration> parseRetryAfter(String header, Clock clock) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String value = header.trim();
    try {
      long seconds = Long.parseLong(value);
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration delay = Duration.between(clock.instant(), at.toInstant());
        return Optional.of(delay.isNegative() ? Duration.ZERO : delay);
      } catch (DateTimeParseException notDate) {
        return Optional.empty();
      }
    }
  }
}
