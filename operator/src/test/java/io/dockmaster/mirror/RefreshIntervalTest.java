package io.dockmaster.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RefreshIntervalTest {

  @Test
  void readsGoStyleDurations() {
    assertThat(RefreshInterval.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(RefreshInterval.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(RefreshInterval.parse("30000ms")).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void refusesNonsenseAndTooShortIntervals() {
    assertThatThrownBy(() -> RefreshInterval.parse("soon")).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> RefreshInterval.parse("5s")).hasMessageContaining("minimum of 30s");
  }
}
