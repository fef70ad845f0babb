package io.dockmaster.webhooktls;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.testing.ManualClock;
import io.dockmaster.webhooktls.RotationPlan.Step;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RotationPlannerTest {

  private static final List<String> NAMES = List.of("dockmaster-webhook.dockmaster.svc");
  private static final RotationSettings SETTINGS =
      new RotationSettings(Duration.ofDays(360), Duration.ofDays(30), Duration.ofMinutes(2));
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private final ManualClock clock = new ManualClock(START);
  private final RotationPlanner planner = new RotationPlanner(SETTINGS, NAMES);
  private final Rotation rotation = new Rotation(SETTINGS, NAMES, "test-ca", clock);

  @Test
  void withoutCertificatesACaAndAServingCertificateAreCreated() {
    RotationPlan plan = planner.plan(Optional.empty(), List.of(), clock.instant());

    assertThat(plan.steps()).containsExactly(Step.CREATE_AUTHORITY, Step.ISSUE_SERVING);
    TlsState state = rotation.apply(Optional.empty(), plan, List.of());
    assertThat(state.serving().signedBy(state.authority().certificate())).isTrue();
    assertThat(state.trusted()).containsExactly(state.authority().certificate());
    assertThat(RotationPlanner.dnsNames(state.serving().certificate()))
        .containsExactlyElementsOf(NAMES);
  }

  @Test
  void theServingCertificateIsRenewedAtTwoThirdsOfItsLifeAndNotBefore() {
    TlsState state = fresh();
    Instant renewAt = state.serving().lifetime().renewAt();
    assertThat(Duration.between(START, renewAt)).isEqualTo(Duration.ofDays(20));

    RotationPlan before =
        planner.plan(Optional.of(state), published(state), renewAt.minusMillis(1));
    RotationPlan due = planner.plan(Optional.of(state), published(state), renewAt);

    assertThat(before.steps()).isEmpty();
    assertThat(before.nextCheck()).isEqualTo(renewAt);
    assertThat(due.steps()).containsExactly(Step.ISSUE_SERVING);
  }

  @Test
  void aNewCaJoinsTheBundleAtTwoThirdsButSignsOnlyOncePublishedForThePropagationTime() {
    TlsState state = fresh();
    clock.set(state.authority().lifetime().renewAt());
    // Keep the serving certificate out of the way: renew it just before.
    RotationPlan added = planner.plan(Optional.of(state), published(state), clock.instant());
    assertThat(added.steps()).contains(Step.ADD_NEXT_AUTHORITY);
    state = rotation.apply(Optional.of(state), added, List.of());
    X509Certificate next = state.next().orElseThrow().certificate();
    assertThat(state.trusted()).contains(state.authority().certificate(), next);

    clock.advance(Duration.ofHours(1));
    RotationPlan unpublished = planner.plan(Optional.of(state), List.of(), clock.instant());
    assertThat(unpublished.steps()).doesNotContain(Step.PROMOTE_NEXT_AUTHORITY);
    assertThat(unpublished.nextCheck())
        .isEqualTo(clock.instant().plus(RotationPlanner.PUBLICATION_RECHECK));

    RotationPlan seen = planner.plan(Optional.of(state), published(state), clock.instant());
    assertThat(seen.steps()).containsExactly(Step.NOTE_NEXT_PUBLISHED);
    state = rotation.apply(Optional.of(state), seen, List.of());
    assertThat(state.nextPublished()).contains(clock.instant());
    assertThat(TlsState.fromData(state.toData()).orElseThrow().nextPublished())
        .as("every replica reads the same publication time from the Secret")
        .contains(clock.instant());
    assertThat(planner.plan(Optional.of(state), published(state), clock.instant()).nextCheck())
        .isEqualTo(clock.instant().plus(Duration.ofMinutes(2)));

    clock.advance(Duration.ofMinutes(2));
    RotationPlan tooEarly =
        planner.plan(Optional.of(state), published(state), clock.instant().minusMillis(1));
    RotationPlan promoted = planner.plan(Optional.of(state), published(state), clock.instant());

    assertThat(tooEarly.steps()).doesNotContain(Step.PROMOTE_NEXT_AUTHORITY);
    assertThat(promoted.steps()).containsExactly(Step.PROMOTE_NEXT_AUTHORITY, Step.ISSUE_SERVING);
    TlsState after = rotation.apply(Optional.of(state), promoted, List.of());
    assertThat(after.authority().certificate()).isEqualTo(next);
    assertThat(after.serving().signedBy(next)).isTrue();
    assertThat(after.trusted()).contains(state.authority().certificate(), next);
  }

  /**
   * Review (hr): the propagation time is counted from the next CA's issue, not from its
   * publication, so a caBundle that could only be written late (conflicts, an API server outage, a
   * missing RBAC rule fixed later) is promoted the moment it is first seen published: API servers
   * that have not loaded it yet then refuse the new serving certificate.
   */
  @Test
  void aNextCaPublishedLateStillWaitsThePropagationTimeAfterItsPublication() {
    TlsState state = fresh();
    List<X509Certificate> oldBundle = published(state);
    clock.set(state.authority().lifetime().renewAt());
    RotationPlan added = planner.plan(Optional.of(state), oldBundle, clock.instant());
    state = rotation.apply(Optional.of(state), added, List.of());

    // The caBundle could not be written for an hour: the configuration still has the old one.
    clock.advance(Duration.ofHours(1));
    assertThat(planner.plan(Optional.of(state), oldBundle, clock.instant()).steps())
        .doesNotContain(Step.PROMOTE_NEXT_AUTHORITY);

    // First plan that sees the new bundle published, moments after the write.
    RotationPlan firstSeen = planner.plan(Optional.of(state), published(state), clock.instant());
    assertThat(firstSeen.steps())
        .as("promoted although no API server has had the propagation time to load the new CA")
        .doesNotContain(Step.PROMOTE_NEXT_AUTHORITY);
  }

  @Test
  void aNextCaThatLeavesThePublishedBundleWaitsTheWholePropagationTimeAgain() {
    TlsState state = fresh();
    List<X509Certificate> oldBundle = published(state);
    clock.set(state.authority().lifetime().renewAt());
    state =
        rotation.apply(
            Optional.of(state),
            planner.plan(Optional.of(state), oldBundle, clock.instant()),
            List.of());
    state =
        rotation.apply(
            Optional.of(state),
            planner.plan(Optional.of(state), published(state), clock.instant()),
            List.of());
    assertThat(state.nextPublished()).isPresent();

    // Someone (a chart upgrade) put the old caBundle back.
    clock.advance(Duration.ofMinutes(1));
    RotationPlan lost = planner.plan(Optional.of(state), oldBundle, clock.instant());
    assertThat(lost.steps()).containsExactly(Step.FORGET_NEXT_PUBLISHED);
    state = rotation.apply(Optional.of(state), lost, List.of());
    assertThat(state.nextPublished()).isEmpty();

    // Republished: one minute later the original two minutes are over, but not the new ones.
    state =
        rotation.apply(
            Optional.of(state),
            planner.plan(Optional.of(state), published(state), clock.instant()),
            List.of());
    clock.advance(Duration.ofMinutes(1));
    assertThat(planner.plan(Optional.of(state), published(state), clock.instant()).steps())
        .doesNotContain(Step.PROMOTE_NEXT_AUTHORITY);
    clock.advance(Duration.ofMinutes(1));
    assertThat(planner.plan(Optional.of(state), published(state), clock.instant()).steps())
        .contains(Step.PROMOTE_NEXT_AUTHORITY);
  }

  @Test
  void anExpiredCaIsReplacedAndExpiredCasLeaveTheBundle() {
    TlsState state = fresh();
    clock.set(state.authority().lifetime().notAfter());

    RotationPlan plan = planner.plan(Optional.of(state), published(state), clock.instant());

    assertThat(plan.steps()).containsExactly(Step.CREATE_AUTHORITY, Step.ISSUE_SERVING);
    assertThat(plan.reason()).contains("the webhook CA expired at");
    TlsState replaced = rotation.apply(Optional.of(state), plan, List.of());
    assertThat(replaced.trusted()).containsExactly(replaced.authority().certificate());
  }

  @Test
  void aNewCaKeepsTheCaStillPublishedTrustedForReplicasThatServeItsCertificates() {
    TlsState lost = fresh();
    List<X509Certificate> stillPublished = published(lost);
    clock.advance(Duration.ofDays(1));

    // The Secret is gone (deleted, or unreadable): a new CA is created while the old one is in
    // the caBundle and other replicas still serve certificates it signed.
    RotationPlan plan = planner.plan(Optional.empty(), stillPublished, clock.instant());
    TlsState created = rotation.apply(Optional.empty(), plan, stillPublished);

    assertThat(created.trusted())
        .containsExactly(lost.authority().certificate(), created.authority().certificate());
    assertThat(created.serving().signedBy(created.authority().certificate())).isTrue();
    // And leaves with its expiry, like any CA that signed before.
    clock.set(lost.authority().lifetime().notAfter());
    RotationPlan later = planner.plan(Optional.of(created), published(created), clock.instant());
    assertThat(later.steps()).contains(Step.PRUNE_TRUST);
    assertThat(rotation.apply(Optional.of(created), later, List.of()).trusted())
        .doesNotContain(lost.authority().certificate());
  }

  @Test
  void aServingCertificateForOtherNamesIsReplaced() {
    TlsState state = fresh();
    RotationPlanner renamed = new RotationPlanner(SETTINGS, List.of("other.dockmaster.svc"));

    RotationPlan plan = renamed.plan(Optional.of(state), published(state), clock.instant());

    assertThat(plan.steps()).containsExactly(Step.ISSUE_SERVING);
    assertThat(plan.reason()).contains("other.dockmaster.svc");
  }

  /**
   * Runs three CA lifetimes in steps of a day, with clients that know the published caBundle only
   * after the propagation time: at every step the certificate served verifies against a CA those
   * clients trust and is within its validity.
   */
  @Test
  void clientsThatSeeTheCaBundleLateAlwaysTrustTheServedCertificate() {
    TlsState state =
        rotation.apply(
            Optional.empty(), planner.plan(Optional.empty(), List.of(), START), List.of());
    Deque<Published> history = new ArrayDeque<>();
    history.add(new Published(START, state.trusted()));
    Set<BigInteger> servingSerials = new HashSet<>();
    Set<BigInteger> authoritySerials = new HashSet<>();
    Instant end = START.plus(SETTINGS.authorityValidity().multipliedBy(3));
    for (Instant now = START; now.isBefore(end); now = now.plus(Duration.ofDays(1))) {
      clock.set(now);
      RotationPlan plan = planner.plan(Optional.of(state), history.getLast().trusted(), now);
      if (plan.changes()) {
        state = rotation.apply(Optional.of(state), plan, List.of());
      }
      // The operator publishes right after writing the Secret.
      if (!history.getLast().trusted().equals(state.trusted())) {
        history.add(new Published(now, state.trusted()));
      }
      List<X509Certificate> clientsTrust = trustSeenAt(history, now.minus(SETTINGS.propagation()));
      KeyedCertificate serving = state.serving();
      X509Certificate served = serving.certificate();
      assertThat(clientsTrust)
          .as(
              "at %s clients trust a CA that signed serving certificate %s",
              now, served.getSerialNumber())
          .anySatisfy(ca -> assertThat(serving.signedBy(ca)).isTrue());
      assertThat(served.getNotAfter().toInstant()).isAfter(now);
      servingSerials.add(served.getSerialNumber());
      authoritySerials.add(state.authority().certificate().getSerialNumber());
    }
    assertThat(authoritySerials).hasSizeGreaterThanOrEqualTo(4);
    assertThat(servingSerials).hasSizeGreaterThan(40);
  }

  private TlsState fresh() {
    return rotation.apply(
        Optional.empty(), planner.plan(Optional.empty(), List.of(), clock.instant()), List.of());
  }

  private static List<X509Certificate> published(TlsState state) {
    return state.trusted();
  }

  private static List<X509Certificate> trustSeenAt(Deque<Published> history, Instant at) {
    List<X509Certificate> seen = history.getFirst().trusted();
    for (Published published : history) {
      if (!published.at().isAfter(at)) {
        seen = published.trusted();
      }
    }
    return seen;
  }

  private record Published(Instant at, List<X509Certificate> trusted) {}
}
