package io.dockmaster.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionSetTest {

  private static final Clock T0 =
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
  private static final Clock T1 =
      Clock.fixed(Instant.parse("2026-01-01T01:00:00Z"), ZoneOffset.UTC);

  @Test
  void keepsTransitionTimeWhileStatusIsUnchanged() {
    List<Condition> first = ConditionSet.from(null, 1, T0).set("Ready", true, "A", "m1").toList();

    List<Condition> second = ConditionSet.from(first, 2, T1).set("Ready", true, "B", "m2").toList();

    assertThat(second)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
              assertThat(c.getReason()).isEqualTo("B");
              assertThat(c.getMessage()).isEqualTo("m2");
              assertThat(c.getObservedGeneration()).isEqualTo(2L);
            });
  }

  @Test
  void movesTransitionTimeWhenStatusFlips() {
    List<Condition> first = ConditionSet.from(null, 1, T0).set("Ready", true, "A", "m").toList();

    List<Condition> second = ConditionSet.from(first, 1, T1).set("Ready", false, "A", "m").toList();

    assertThat(second.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T01:00:00Z");
  }

  @Test
  void ordersReadyFirstThenByType() {
    List<Condition> conditions =
        ConditionSet.from(null, 1, T0)
            .set("Progressing", true, "R", "m")
            .set("Degraded", false, "R", "m")
            .set("Ready", false, "R", "m")
            .toList();

    assertThat(conditions)
        .extracting(Condition::getType)
        .containsExactly("Ready", "Degraded", "Progressing");
  }

  @Test
  void detectsChangesThatDeserveAnEvent() {
    List<Condition> before = ConditionSet.from(null, 1, T0).set("Ready", true, "A", "m").toList();
    List<Condition> sameAgain =
        ConditionSet.from(before, 2, T1).set("Ready", true, "A", "m").toList();
    List<Condition> newReason =
        ConditionSet.from(before, 2, T1).set("Ready", true, "B", "m").toList();

    assertThat(ConditionSet.changed(before, sameAgain, "Ready")).isFalse();
    assertThat(ConditionSet.changed(before, newReason, "Ready")).isTrue();
    assertThat(ConditionSet.changed(List.of(), before, "Ready")).isTrue();
  }
}
