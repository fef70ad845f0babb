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

    assertThat(rates.yardstick("b")).as("the fastest, though done").isEqualTo(9.0);
    assertThat(rates.yardstick("a")).as("the fastest other node").isEqualTo(3.0);
    assertThat(rates.describe("a")).contains("fastest other node");
  }

  @Test
  void aSeedIsNotJudgedAgainstItselfOnAnEarlierBlob() {
    // The one seed of a chain: fast on the first blob, slower on the next.
    rates.measured(blob(1), "a", 9.0);
    rates.stopped(blob(1), "a");
    rates.measured(blob(2), "a", 2.8);

    assertThat(rates.yardstick("a")).as("no other node seeded: nothing to judge by").isZero();
  }

  @Test
  void withThreeOrMoreFetchingTheirMedianIs() {
    rates.measured(blob(1), "a", 9.0);
    rates.measured(blob(2), "b", 3.0);
    rates.measured(blob(3), "c", 2.0);
    rates.measured(blob(4), "d", 1.0);

    assertThat(rates.yardstick("e")).as("a node not fetching").isEqualTo(3.0);
    assertThat(rates.describe("e")).contains("median of the 4 other seeds");
    assertThat(rates.yardstick("b")).as("the others': 1, 2 and 9").isEqualTo(2.0);
  }

  @Test
  void aSeedsLatestRateCountsOnceAndOneThatStoppedNotAtAll() {
    rates.measured(blob(1), "a", 1.0);
    rates.measured(blob(1), "a", 8.0);
    rates.measured(blob(2), "b", 6.0);
    rates.measured(blob(3), "c", 7.0);
    rates.measured(blob(4), "d", 0.5);
    rates.stopped(blob(4), "d");

    assertThat(rates.yardstick("e")).isEqualTo(7.0);
  }
}
