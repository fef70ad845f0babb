package io.dockmaster.webhooktls;

import java.time.Duration;

/**
 * How long the operator-managed webhook certificates live. Both are renewed at two thirds of their
 * lifetime; a new CA is published in the caBundle for {@code propagation} before it signs the
 * serving certificate, and the old CA stays in the caBundle until it expires.
 *
 * @param authorityValidity lifetime of each CA
 * @param servingValidity lifetime of each serving certificate (never past its CA's end)
 * @param propagation how long a newly published caBundle needs to reach every API server
 */
public record RotationSettings(
    Duration authorityValidity, Duration servingValidity, Duration propagation) {

  /** Renewal at two thirds leaves a third of the lifetime to ride out an operator outage. */
  public static final double RENEW_AT = 2.0 / 3;

  public RotationSettings {
    if (!positive(authorityValidity) || !positive(servingValidity) || propagation.isNegative()) {
      throw new IllegalArgumentException(
          "webhook certificate validities must be positive and the propagation time not negative,"
              + " got CA "
              + authorityValidity
              + ", serving "
              + servingValidity
              + ", propagation "
              + propagation);
    }
    if (servingValidity.compareTo(authorityValidity) > 0) {
      throw new IllegalArgumentException(
          "the webhook serving certificate validity ("
              + servingValidity
              + ") cannot exceed the CA validity ("
              + authorityValidity
              + "); lower --webhook-serving-validity-days or raise --webhook-ca-validity-days");
    }
    if (propagation.compareTo(authorityValidity.dividedBy(6)) > 0) {
      // A new CA is published at two thirds of the old one's life and must sign before the old
      // one ends; a sixth leaves half of the last third as margin.
      throw new IllegalArgumentException(
          "the caBundle propagation time ("
              + propagation
              + ") must be at most a sixth of the CA validity ("
              + authorityValidity
              + ")");
    }
  }

  /** A CA for a year, serving certificates for 30 days, two minutes to publish a new CA. */
  public static RotationSettings defaults() {
    return new RotationSettings(Duration.ofDays(365), Duration.ofDays(30), Duration.ofMinutes(2));
  }

  private static boolean positive(Duration duration) {
    return !duration.isNegative() && !duration.isZero();
  }
}
