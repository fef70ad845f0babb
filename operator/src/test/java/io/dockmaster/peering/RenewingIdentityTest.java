package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RenewingIdentityTest {

  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final AgentCertificateAuthority CA =
      AgentCertificateAuthority.generate(Duration.ofDays(30), CLOCK);

  /** Retries quickly so the test does not wait out real back-off. */
  private static final RenewalSchedule FAST =
      new RenewalSchedule(2.0 / 3, Duration.ofMillis(10), Duration.ofMillis(50));

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void keepsTheIdentityUntilTwoThirdsOfItsLifetime() throws Exception {
    PeerIdentity first = CA.issueAgentIdentity("node-1", Duration.ofHours(24));
    AtomicInteger calls = new AtomicInteger();

    try (RenewingIdentity identity =
        RenewingIdentity.start(
            () -> {
              calls.incrementAndGet();
              return first;
            },
            scheduler,
            RenewalSchedule.standard(),
            CLOCK)) {
      assertThat(identity.get()).isSameAs(first);
      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void renewsWhenDueAndRetriesFailuresUntilItSucceeds() throws Exception {
    // Due at once: five minutes of its ~6 minute lifetime (5 of them backdated) are gone.
    PeerIdentity due = CA.issueAgentIdentity("node-1", Duration.ofMinutes(1));
    PeerIdentity renewed = CA.issueAgentIdentity("node-1", Duration.ofHours(24));
    Deque<Object> answers = new ArrayDeque<>();
    answers.add(due);
    answers.add(new CertificateRequestException("operator unavailable"));
    answers.add(new IllegalStateException("API server unreachable"));
    answers.add(renewed);

    try (RenewingIdentity identity =
        RenewingIdentity.start(
            () -> {
              Object next = answers.remove();
              if (next instanceof CertificateRequestException e) {
                throw e;
              }
              if (next instanceof RuntimeException e) {
                throw e;
              }
              return (PeerIdentity) next;
            },
            scheduler,
            FAST,
            CLOCK)) {
      assertThat(identity.get()).isSameAs(due);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(identity.get()).isSameAs(renewed));
      assertThat(answers).isEmpty();
    }
  }

  @Test
  void failsToStartWithoutAFirstIdentity() {
    assertThatThrownBy(
            () ->
                RenewingIdentity.start(
                    () -> {
                      throw new CertificateRequestException("denied: wrong node");
                    },
                    scheduler,
                    FAST,
                    CLOCK))
        .isInstanceOf(CertificateRequestException.class)
        .hasMessage("denied: wrong node");
  }
}
