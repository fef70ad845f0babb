package io.dockmaster.webhooktls;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * When a certificate was issued and when it is due for renewal. Certificates are backdated so that
 * an API server whose clock is a little behind ours still accepts them; the backdate is derived
 * from the lifetime, so the issue time can be read back from the certificate alone.
 */
record Lifetime(Instant notBefore, Instant notAfter) {

  /** Tolerates clocks a little behind ours (the API server's, in another VM). */
  static final Duration MAX_BACKDATE = Duration.ofMinutes(5);

  /** Backdate is at most a tenth of the validity, so short-lived test certificates stay usable. */
  private static final long BACKDATE_SHARE = 10;

  static Lifetime of(X509Certificate certificate) {
    return new Lifetime(
        certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant());
  }

  /**
   * The backdate for a certificate valid for {@code validity} (whole seconds, as X.509 times are)
   * from its issue: a tenth of it, at most {@link #MAX_BACKDATE}.
   */
  static Duration backdate(Duration validity) {
    long seconds = Math.min(validity.getSeconds() / BACKDATE_SHARE, MAX_BACKDATE.getSeconds());
    return Duration.ofSeconds(seconds);
  }

  /**
   * The issue time, read back from the span alone: a span of T seconds is validity V plus backdate
   * B = min(300, V / 10), which gives B = 300 for T >= 3300 and B = T / 11 below (integer division,
   * exact for every span {@link #backdate} produces).
   */
  Instant issuedAt() {
    long total = Duration.between(notBefore, notAfter).getSeconds();
    long max = MAX_BACKDATE.getSeconds();
    long backdate = total >= max * (BACKDATE_SHARE + 1) ? max : total / (BACKDATE_SHARE + 1);
    return notBefore.plusSeconds(backdate);
  }

  /** Two thirds of the way from issue to end: a third is left to renew in. */
  Instant renewAt() {
    Instant issued = issuedAt();
    long life = Duration.between(issued, notAfter).toMillis();
    return issued.plusMillis((long) (life * RotationSettings.RENEW_AT));
  }

  boolean expiredAt(Instant now) {
    return !now.isBefore(notAfter);
  }
}
