package io.dockmaster.peering;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current identity of this peer, replaced by a new key and certificate before the old one
 * expires. Hand it to {@link PeerTls}: new connections use the renewed identity, open ones keep
 * theirs. Failed renewals are retried while the current certificate is still served; once it
 * expires peers refuse it, so an agent that cannot renew drops out rather than staying trusted.
 */
public final class RenewingIdentity implements Supplier<PeerIdentity>, AutoCloseable {

  /** Where identities come from: {@link AgentCertificateRequester#request()} for agents. */
  @FunctionalInterface
  public interface Source {
    PeerIdentity obtain() throws CertificateRequestException;
  }

  private static final Logger log = LoggerFactory.getLogger(RenewingIdentity.class);

  private final Source source;
  private final ScheduledExecutorService scheduler;
  private final RenewalSchedule schedule;
  private final Clock clock;
  private volatile PeerIdentity current;
  private int failures;
  private ScheduledFuture<?> next;
  private boolean closed;

  private RenewingIdentity(
      Source source,
      ScheduledExecutorService scheduler,
      RenewalSchedule schedule,
      Clock clock,
      PeerIdentity first) {
    this.source = source;
    this.scheduler = scheduler;
    this.schedule = schedule;
    this.clock = clock;
    this.current = first;
  }

  /**
   * Obtains the first identity (blocking) and schedules its renewal on {@code scheduler}, which the
   * caller owns and shuts down.
   *
   * @throws CertificateRequestException when the first identity cannot be obtained
   */
  public static RenewingIdentity start(
      Source source, ScheduledExecutorService scheduler, RenewalSchedule schedule, Clock clock)
      throws CertificateRequestException {
    RenewingIdentity identity =
        new RenewingIdentity(source, scheduler, schedule, clock, source.obtain());
    identity.scheduleRenewal();
    return identity;
  }

  @Override
  public PeerIdentity get() {
    return current;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (next != null) {
      next.cancel(false);
    }
  }

  private synchronized void scheduleRenewal() {
    schedule(schedule.untilRenewal(current, clock.instant()));
  }

  private synchronized void schedule(Duration delay) {
    if (!closed) {
      next = scheduler.schedule(this::renew, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void renew() {
    PeerIdentity old = current;
    try {
      PeerIdentity renewed = source.obtain();
      current = renewed;
      synchronized (this) {
        failures = 0;
      }
      log.info("renewed {} (was {})", renewed, old);
      scheduleRenewal();
    } catch (CertificateRequestException | RuntimeException e) {
      Duration delay;
      synchronized (this) {
        failures++;
        delay = schedule.retryDelay(failures);
      }
      boolean expired = !old.notAfter().isAfter(clock.instant());
      String message = "cannot renew {} ({}; retrying in {}): {}";
      if (expired) {
        log.error(message, old, "it has EXPIRED, peers refuse it", delay, e.getMessage());
      } else {
        log.warn(message, old, "still valid", delay, e.getMessage());
      }
      schedule(delay);
    }
  }
}
