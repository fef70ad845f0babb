package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RenewalScheduleTest {

  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final AgentCertificateAuthority CA =
      AgentCertificateAuthority.generate(Duration.ofDays(30), Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void renewsAtTwoThirdsOfTheLifetime() {
    RenewalSchedule schedule = RenewalSchedule.standard();
    PeerIdentity identity = CA.issueAgentIdentity("node-1", Duration.ofHours(24));
    // Valid from 5 minutes before issue (clock skew), so the lifetime is 24h05m.
    Instant expected = NOW.minus(Duration.ofMinutes(5)).plus(Duration.ofMinutes(2 * 1445 / 3));

    assertThat(schedule.renewAt(identity)).isBetween(expected, expected.plusSeconds(60));
    assertThat(schedule.untilRenewal(identity, NOW))
        .isEqualTo(Duration.between(NOW, schedule.renewAt(identity)));
    assertThat(schedule.untilRenewal(identity, NOW.plus(Duration.ofHours(20)))).isZero();
  }

  @Test
  void retriesSoonThenBackOffUpToTheCap() {
    RenewalSchedule schedule = RenewalSchedule.standard();

    assertThat(schedule.retryDelay(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(schedule.retryDelay(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(schedule.retryDelay(5)).isEqualTo(Duration.ofSeconds(160));
    assertThat(schedule.retryDelay(6)).isEqualTo(Duration.ofMinutes(5));
    assertThat(schedule.retryDelay(1000)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new RenewalSchedule(1.0, Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .hasMessage("renewal must happen between 0 and 1 of the lifetime, got 1.0");
    assertThatThrownBy(() -> new RenewalSchedule(0.5, Duration.ofSeconds(3), Duration.ofSeconds(2)))
        .hasMessageStartingWith("retry delays must be positive");
  }
}
