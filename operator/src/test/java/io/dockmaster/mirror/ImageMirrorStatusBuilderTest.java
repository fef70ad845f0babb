package io.dockmaster.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.dockmaster.distribution.DistributionProgress;
import io.dockmaster.distribution.RoundFailure;
import io.dockmaster.status.ConditionSet;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What an ImageMirror's conditions say about the distribution rounds behind its status. */
class ImageMirrorStatusBuilderTest {

  private static final Instant NOW = Instant.parse("2026-12-05T02:00:00Z");

  private final ImageMirrorStatusBuilder statuses =
      new ImageMirrorStatusBuilder(Clock.fixed(NOW, ZoneOffset.UTC));
  private final ImageMirror mirror = MirrorSpecValidatorTest.mirror("registry.example.com");
  private final MirrorTarget target =
      new MirrorTarget("registry.example.com", false, Optional.empty(), List.of(), Duration.ZERO);
  private final ResolutionRun resolved = new ResolutionRun(NOW, NOW, List.of(), Map.of());

  private static DistributionProgress progress(int desired, int complete) {
    return new DistributionProgress(
        desired,
        complete,
        Map.of(),
        0,
        100,
        complete == desired ? 100 : 40,
        100,
        0,
        List.of(),
        3,
        NOW.minusSeconds(60),
        Optional.empty());
  }

  private static Condition condition(ImageMirrorStatus status, String type) {
    return ConditionSet.find(status.getConditions(), type).orElseThrow();
  }

  @Test
  void failingRoundsMakeTheMirrorDegradedWithSinceWhenAndTheCause() {
    RoundFailure failure =
        new RoundFailure(
            Instant.parse("2026-12-05T01:59:12.345Z"), 4, "IllegalStateException: no source left");

    ImageMirrorStatus status =
        statuses.afterRun(
            mirror, target, resolved, Optional.of(progress(5, 2)), Optional.of(failure));

    Condition degraded = condition(status, ImageMirrorStatusBuilder.DEGRADED);
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo("DistributionRoundFailed");
    assertThat(degraded.getMessage())
        .contains("failed since 2026-12-05T01:59:12Z")
        .contains("IllegalStateException: no source left")
        .contains("dockmaster_distribution_rounds_failed_total")
        .as(
            "the streak's length changes every round; a condition message that did would patch"
                + " status and record an Event each time")
        .doesNotContain("4");
    assertThat(condition(status, ImageMirrorStatusBuilder.PROGRESSING).getMessage())
        .as("the last good round's progress is still shown")
        .contains("2 of 5 nodes complete, 40% of bytes");
    assertThat(status.getNodesReady()).isEqualTo("2/5");
  }

  @Test
  void aCompleteMirrorWhoseRoundsFailStaysReadyButDegraded() {
    RoundFailure failure =
        new RoundFailure(NOW, 1, "KubernetesClientException: connection refused");

    ImageMirrorStatus status =
        statuses.afterRun(
            mirror, target, resolved, Optional.of(progress(3, 3)), Optional.of(failure));

    assertThat(condition(status, ImageMirrorStatusBuilder.READY).getStatus())
        .as("the nodes hold every layer; only re-checking them fails")
        .isEqualTo("True");
    assertThat(condition(status, ImageMirrorStatusBuilder.DEGRADED).getReason())
        .isEqualTo("DistributionRoundFailed");
  }

  @Test
  void aRoundFailingBeforeAnyRoundSucceededIsShownToo() {
    RoundFailure failure = new RoundFailure(NOW, 1, "IllegalStateException: no source left");

    ImageMirrorStatus status =
        statuses.afterRun(mirror, target, resolved, Optional.empty(), Optional.of(failure));

    assertThat(condition(status, ImageMirrorStatusBuilder.DEGRADED).getReason())
        .isEqualTo("DistributionRoundFailed");
    assertThat(condition(status, ImageMirrorStatusBuilder.READY).getStatus()).isEqualTo("False");
  }

  @Test
  void theConditionClearsOnceARoundSucceeds() {
    RoundFailure failure = new RoundFailure(NOW, 2, "IllegalStateException: no source left");
    mirror.setStatus(
        statuses.afterRun(
            mirror, target, resolved, Optional.of(progress(5, 2)), Optional.of(failure)));

    ImageMirrorStatus status =
        statuses.afterRun(mirror, target, resolved, Optional.of(progress(5, 3)), Optional.empty());

    Condition degraded = condition(status, ImageMirrorStatusBuilder.DEGRADED);
    assertThat(degraded.getStatus()).isEqualTo("False");
    assertThat(degraded.getReason()).isEqualTo("AsExpected");
  }
}
