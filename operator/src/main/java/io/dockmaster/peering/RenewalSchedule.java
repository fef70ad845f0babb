package io.dockmaster.peering;

import java.time.Duration;
import java.time.Instant;

/**
 * When to renew a certificate: at a fraction of its lifetime (two thirds by default, leaving a
 * third, eight hours of a day-long certificate, to ride out an operator outage), and how long to
 * wait between failed attempts (doubling, capped).
 */
public record RenewalSchedule(double lifetimeFraction, Duration firstRetry, Duration maxRetry) {

  public RenewalSchedule {
    if (!(lifetimeFraction > 0 && lifetimeFraction < 1)) {
      throw new IllegalArgumentException(
          "renewal must happen between 0 and 1 of the lifetime, got " + lifetimeFraction);
    }
    if (firstRetry.isNegative() || firstRetry.isZero() || maxRetry.compareTo(firstRetry) < 0) {
      throw new IllegalArgumentException(
          "retry delays must be positive with the first no longer than the maximum, got "
              + firstRetry
              + " and "
              + maxRetry);
    }
  }

  public static RenewalSchedule standard() {
    return new RenewalSchedule(2.0 / 3, Duration.ofSeconds(10), Duration.ofMinutes(5));
  }

  public Instant renewAt(PeerIdentity identity) {
    Duration lifetime = Duration.between(identity.notBefore(), identity.notAfter());
    return identity.notBefore().plusMillis((long) (lifetime.toMillis() * lifetimeFraction));
  }

  /** Zero when renewal is already due. */
  public Duration untilRenewal(PeerIdentity identity, Instant now) {
    Duration wait = Duration.between(now, renewAt(identity));
    return wait.isNegative() ? Duration.ZERO : wait;
  }

  /**
   * @param failures how many attempts in a row have failed, at least 1
   */
  public Duration retryDelay(int failures) {
    Duration delay = firstRetry;
    for (int i = 1; i < failures && delay.compareTo(maxRetry) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(maxRetry) > 0 ? maxRetry : delay;
  }
}
