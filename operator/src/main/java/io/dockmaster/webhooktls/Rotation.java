package io.dockmaster.webhooktls;

import io.dockmaster.webhooktls.RotationPlan.Step;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Carries a {@link RotationPlan} out: issues what it asks for and returns the new state. */
final class Rotation {

  private final CertificateIssuer issuer;
  private final RotationSettings settings;
  private final List<String> dnsNames;
  private final String authorityName;
  private final Clock clock;

  Rotation(RotationSettings settings, List<String> dnsNames, String authorityName, Clock clock) {
    this.issuer = new CertificateIssuer(clock);
    this.settings = settings;
    this.dnsNames = List.copyOf(dnsNames);
    this.authorityName = authorityName;
    this.clock = clock;
  }

  /**
   * @param published the CAs the webhook's caBundle holds now: a new authority keeps them trusted
   *     (until they expire, like any CA that signed before), since replicas that have not seen the
   *     new Secret yet still serve certificates they signed
   */
  TlsState apply(Optional<TlsState> current, RotationPlan plan, List<X509Certificate> published) {
    List<X509Certificate> trusted =
        new ArrayList<>(current.map(TlsState::trusted).orElse(List.of()));
    KeyedCertificate authority = current.map(TlsState::authority).orElse(null);
    Optional<KeyedCertificate> next = current.flatMap(TlsState::next);
    Optional<Instant> nextPublished = current.flatMap(TlsState::nextPublished);
    KeyedCertificate serving = current.map(TlsState::serving).orElse(null);
    for (Step step : plan.steps()) {
      switch (step) {
        case CREATE_AUTHORITY -> {
          authority = issuer.authority(authorityName, settings.authorityValidity());
          next = Optional.empty();
          published.stream().filter(ca -> !trusted.contains(ca)).forEach(trusted::add);
        }
        case ADD_NEXT_AUTHORITY -> {
          next = Optional.of(issuer.authority(authorityName, settings.authorityValidity()));
          nextPublished = Optional.empty();
        }
        case NOTE_NEXT_PUBLISHED -> nextPublished = Optional.of(clock.instant());
        case FORGET_NEXT_PUBLISHED -> nextPublished = Optional.empty();
        case PROMOTE_NEXT_AUTHORITY -> {
          authority = next.orElseThrow();
          next = Optional.empty();
        }
        case ISSUE_SERVING ->
            serving = issuer.serving(authority, dnsNames, settings.servingValidity());
        case PRUNE_TRUST -> {
          // Below, always.
        }
      }
    }
    return new TlsState(trusted, authority, next, nextPublished, serving).pruned(clock.instant());
  }
}
