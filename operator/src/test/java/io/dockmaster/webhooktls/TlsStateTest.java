package io.dockmaster.webhooktls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TlsStateTest {

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final CertificateIssuer issuer = new CertificateIssuer(clock);

  @Test
  void theSecretDataReadsBackTheSameStateAndServesAsATlsSecret() {
    KeyedCertificate authority = issuer.authority("test-ca", Duration.ofDays(30));
    KeyedCertificate next = issuer.authority("test-ca", Duration.ofDays(30));
    KeyedCertificate serving = issuer.serving(authority, List.of("a.example"), Duration.ofDays(3));
    TlsState state = new TlsState(List.of(), authority, Optional.of(next), serving);

    Map<String, String> data = state.toData();
    TlsState read = TlsState.fromData(data).orElseThrow();

    assertThat(data)
        .containsKeys("tls.crt", "tls.key", "ca.crt", "authority.crt", "authority.key")
        .containsKeys("next-authority.crt", "next-authority.key");
    assertThat(read.trusted()).containsExactly(authority.certificate(), next.certificate());
    assertThat(read.authority().certificate()).isEqualTo(authority.certificate());
    assertThat(read.next().orElseThrow().certificate()).isEqualTo(next.certificate());
    assertThat(read.serving().certificate()).isEqualTo(serving.certificate());
    assertThat(read.serving().key().getEncoded()).isEqualTo(serving.key().getEncoded());
    assertThat(state.toString()).doesNotContain("PRIVATE");
  }

  @Test
  void anEmptySecretHoldsNoStateAndABrokenKeyIsNamed() {
    assertThat(TlsState.fromData(Map.of())).isEmpty();
    KeyedCertificate authority = issuer.authority("test-ca", Duration.ofDays(30));
    Map<String, String> data =
        new HashMap<>(
            new TlsState(
                    List.of(),
                    authority,
                    Optional.empty(),
                    issuer.serving(authority, List.of("a.example"), Duration.ofDays(3)))
                .toData());
    data.put("tls.key", "not a key");

    assertThatThrownBy(() -> TlsState.fromData(data))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key tls.key");
  }

  @Test
  void anUnreadablePublicationTimeIsNamedWithTheFix() {
    KeyedCertificate authority = issuer.authority("test-ca", Duration.ofDays(30));
    KeyedCertificate next = issuer.authority("test-ca", Duration.ofDays(30));
    Map<String, String> data =
        new HashMap<>(
            new TlsState(
                    List.of(),
                    authority,
                    Optional.of(next),
                    Optional.of(clock.instant()),
                    issuer.serving(authority, List.of("a.example"), Duration.ofDays(3)))
                .toData());
    assertThat(TlsState.fromData(data).orElseThrow().nextPublished()).contains(clock.instant());
    data.put("next-authority.published", "yesterday");

    assertThatThrownBy(() -> TlsState.fromData(data))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key next-authority.published")
        .hasMessageContaining("delete the key");
  }

  @Test
  void theIssueTimeReadsBackFromEveryLifetime() {
    for (long seconds : new long[] {1, 9, 10, 12, 109, 2999, 3000, 3001, 3299, 3300, 86_400}) {
      KeyedCertificate authority = issuer.authority("test-ca", Duration.ofSeconds(seconds));
      assertThat(authority.lifetime().issuedAt()).as("%d s", seconds).isEqualTo(clock.instant());
      assertThat(authority.lifetime().notBefore())
          .isEqualTo(clock.instant().minusSeconds(Math.min(seconds / 10, 300)));
    }
  }

  @Test
  void servingCertificatesNeverOutliveTheirCaAndBackdatesStayShortForShortLives() {
    KeyedCertificate authority = issuer.authority("test-ca", Duration.ofSeconds(12));
    clock.advance(Duration.ofSeconds(10));

    KeyedCertificate serving =
        issuer.serving(authority, List.of("a.example"), Duration.ofSeconds(6));

    assertThat(serving.certificate().getNotAfter())
        .isEqualTo(authority.certificate().getNotAfter());
    Lifetime lifetime = serving.lifetime();
    assertThat(lifetime.issuedAt()).isEqualTo(clock.instant());
    assertThat(Duration.between(lifetime.notBefore(), lifetime.issuedAt()))
        .isEqualTo(Duration.ZERO);
    assertThat(authority.lifetime().issuedAt()).isEqualTo(clock.instant().minusSeconds(10));
  }
}
