package io.dockmaster.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CacheLimitsTest {

  @Test
  void watermarksAreFractionsOfTheCapacity() {
    CacheLimits limits = new CacheLimits(1000, 0.9, 0.75);

    assertThat(limits.highWatermarkBytes()).isEqualTo(900);
    assertThat(limits.lowWatermarkBytes()).isEqualTo(750);
    assertThat(CacheLimits.ofCapacity(100)).isEqualTo(new CacheLimits(100, 0.9, 0.8));
  }

  @Test
  void refusesLimitsThatMakeNoSense() {
    assertThatThrownBy(() -> new CacheLimits(0, 0.9, 0.8))
        .hasMessageContaining("cache capacityBytes must be positive, got 0");
    assertThatThrownBy(() -> new CacheLimits(100, 1.5, 0.8))
        .hasMessageContaining("cache highWatermark must be in (0, 1], got 1.5");
    assertThatThrownBy(() -> new CacheLimits(100, Double.NaN, 0.8))
        .hasMessageContaining("highWatermark");
    assertThatThrownBy(() -> new CacheLimits(100, 0.8, 0.9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cache lowWatermark must be in (0, highWatermark=0.8], got 0.9");
  }
}
