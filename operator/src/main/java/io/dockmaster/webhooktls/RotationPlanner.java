package io.dockmaster.webhooktls;

import io.dockmaster.webhooktls.RotationPlan.Step;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides when the webhook's certificates change, from the Secret's state, the caBundle the API
 * server has, and the time; no I/O. The order keeps every client able to verify the serving
 * certificate: a new CA is published first, signs only once it has been in the published caBundle
 * for the propagation time (counted from when the Secret recorded it seen there), and the old CA
 * stays trusted until it expires.
 */
public final class RotationPlanner {

  /** How soon to look again while waiting for a new CA to appear in the published caBundle. */
  static final Duration PUBLICATION_RECHECK = Duration.ofSeconds(1);

  private final RotationSettings settings;
  private final Set<String> dnsNames;

  public RotationPlanner(RotationSettings settings, Collection<String> dnsNames) {
    this.settings = settings;
    this.dnsNames = new TreeSet<>(dnsNames);
  }

  /**
   * @param published the CAs in the caBundle the webhook configuration carries now
   */
  public RotationPlan plan(
      Optional<TlsState> current, Collection<X509Certificate> published, Instant now) {
    if (current.isEmpty()) {
      return new RotationPlan(
          List.of(Step.CREATE_AUTHORITY, Step.ISSUE_SERVING), now, "there is no webhook CA yet");
    }
    TlsState state = current.get();
    Lifetime authority = state.authority().lifetime();
    if (authority.expiredAt(now)) {
      return new RotationPlan(
          List.of(Step.CREATE_AUTHORITY, Step.ISSUE_SERVING),
          now,
          "the webhook CA expired at " + authority.notAfter());
    }
    List<Step> steps = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    List<Instant> dueTimes = new ArrayList<>();
    KeyedCertificate signer = state.authority();
    Optional<KeyedCertificate> next = state.next().filter(n -> !n.lifetime().expiredAt(now));
    if (next.isEmpty()) {
      if (!now.isBefore(authority.renewAt())) {
        steps.add(Step.ADD_NEXT_AUTHORITY);
        reasons.add(
            "the webhook CA is two thirds through its life (ends " + authority.notAfter() + ")");
      } else {
        dueTimes.add(authority.renewAt());
      }
    } else {
      boolean isPublished = published.contains(next.get().certificate());
      Optional<Instant> seenPublished = state.nextPublished();
      if (isPublished && seenPublished.isEmpty()) {
        // Counted from when the bundle was seen published, not from the CA's issue: a bundle
        // written late must still get the whole propagation time.
        steps.add(Step.NOTE_NEXT_PUBLISHED);
        reasons.add("the next webhook CA is now in the published caBundle");
      } else if (!isPublished && seenPublished.isPresent()) {
        steps.add(Step.FORGET_NEXT_PUBLISHED);
        reasons.add("the published caBundle no longer holds the next webhook CA");
      } else if (isPublished) {
        Instant issuedAt = next.get().lifetime().issuedAt();
        Instant from = seenPublished.get().isAfter(issuedAt) ? seenPublished.get() : issuedAt;
        Instant promoteAt = from.plus(settings.propagation());
        if (!now.isBefore(promoteAt)) {
          steps.add(Step.PROMOTE_NEXT_AUTHORITY);
          reasons.add(
              "the next webhook CA is in the published caBundle since "
                  + seenPublished.get()
                  + " and had until "
                  + promoteAt
                  + " to reach every API server");
          signer = next.get();
        } else {
          dueTimes.add(promoteAt);
        }
      } else {
        dueTimes.add(now.plus(PUBLICATION_RECHECK));
      }
    }
    Optional<String> servingProblem = servingProblem(state.serving(), signer, now);
    if (servingProblem.isPresent()) {
      steps.add(Step.ISSUE_SERVING);
      reasons.add(servingProblem.get());
    } else {
      dueTimes.add(state.serving().lifetime().renewAt());
    }
    Optional<Instant> firstExpiry =
        state.trusted().stream().map(c -> Lifetime.of(c).notAfter()).min(Instant::compareTo);
    if (firstExpiry.isPresent() && !now.isBefore(firstExpiry.get())) {
      steps.add(Step.PRUNE_TRUST);
      reasons.add("a trusted webhook CA expired at " + firstExpiry.get());
    } else {
      firstExpiry.ifPresent(dueTimes::add);
    }
    Instant nextCheck = dueTimes.stream().min(Instant::compareTo).orElse(now);
    return new RotationPlan(steps, nextCheck, String.join("; ", reasons));
  }

  private Optional<String> servingProblem(
      KeyedCertificate serving, KeyedCertificate signer, Instant now) {
    if (!serving.signedBy(signer.certificate())) {
      return Optional.of("the serving certificate is not signed by the current webhook CA");
    }
    Lifetime lifetime = serving.lifetime();
    if (!now.isBefore(lifetime.renewAt())) {
      return Optional.of(
          "the serving certificate is two thirds through its life (ends "
              + lifetime.notAfter()
              + ")");
    }
    Set<String> names = dnsNames(serving.certificate());
    if (!names.equals(dnsNames)) {
      return Optional.of("the serving certificate is for " + names + ", not " + dnsNames);
    }
    return Optional.empty();
  }

  static Set<String> dnsNames(X509Certificate certificate) {
    Set<String> names = new TreeSet<>();
    try {
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> alternative : alternatives) {
          if (Integer.valueOf(2).equals(alternative.get(0))) {
            names.add((String) alternative.get(1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // An unreadable SAN list counts as no names: the certificate gets replaced.
    }
    return names;
  }
}
