package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import org.junit.jupiter.api.Test;

class SeedRatesTest {

  private final SeedRates rates = new SeedRates();

  private static Digest blob(int i) {
    return Digest.sha256(new byte[] {(byte) i});
  }

  @Test
  void withFewerThanThreeSeedsFetchingTheFastestOfTheRunIsTheYardstick() {
    rates.measured(blob(1), "a", 9.0);
    rates.measured(blob(2), "b", 3.0);
    rates.stopped(blob(1), "a");

    assertThat(rates.yardstick()).as("the fastest, though done").isEqualTo(9.0);
    assertThat(rates.describe()).contains("fastest");
  }

  @Test
  void withThreeOrMoreFetchingTheirMedianIs() {
    rates.measured(blob(1), "a", 9.0);
    rates.measured(blob(2), "b", 3.0);
    rates.measured(blob(3), "c", 2.0);
    rates.measured(blob(4), "d", 1.0);

    assertThat(rates.yardstick()).isEqualTo(3.0);
    assertThat(rates.describe()).contains("median of the 4 seeds");
  }

  @Test
  void aSeedsLatestRateCountsOnceAndOneThatStoppedNotAtAll() {
    rates.measured(blob(1), "a", 1.0);
    rates.measured(blob(1), "a", 8.0);
    rates.measured(blob(2), "b", 6.0);
    rates.measured(blob(3), "c", 7.0);
    rates.measured(blob(4), "d", 0.5);
    rates.stopped(blob(4), "d");

    assertThat(rates.yardstick()).isEqualTo(7.0);
  }
}
