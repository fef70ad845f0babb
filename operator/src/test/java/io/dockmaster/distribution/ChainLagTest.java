package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ChainLagTest {

  private static final long MB = 1_000_000;
  private final ChainLag lag = new ChainLag("mirror");
  private final Digest blob = PlanFixtures.digest(0);
  private final Source fromA = Source.peer("a");
  private final Instant start = Instant.parse("2026-12-05T10:00:00Z");

  private Instant at(int seconds) {
    return start.plusSeconds(seconds);
  }

  @Test
  void aNodeTakingInHalfWhatItsSourceDidHoldsTheChainBack() {
    lag.observe("b", blob, fromA, 0, 10 * MB, false, 0L, at(0));
    lag.observe("b", blob, fromA, 20 * MB, 70 * MB, false, 0L, at(6));

    assertThat(lag.isBehind("b")).isTrue();
  }

  @Test
  void aNodeSlowerThanItsSourceButWithinAFewWindowsOfItIsNotJudged() {
    lag.observe("b", blob, fromA, 0, 2 * MB, false, 0L, at(0));
    lag.observe("b", blob, fromA, 5 * MB, 18 * MB, false, 0L, at(6));

    assertThat(lag.isBehind("b")).as("its source is 13 MB ahead: it keeps pace with it").isFalse();
  }

  @Test
  void aNodeKeepingPaceWithItsSourceDoesNot() {
    lag.observe("b", blob, fromA, 0, 4 * MB, false, 0L, at(0));
    lag.observe("b", blob, fromA, 30 * MB, 60 * MB, false, 0L, at(6));

    assertThat(lag.isBehind("b")).as("took in 30 MB while its source took in 56").isFalse();
  }

  @Test
  void nothingIsJudgedBeforeFiveSecondsWithOneSourceNorAgainstAHolder() {
    lag.observe("b", blob, fromA, 0, 10 * MB, false, 0L, at(0));
    lag.observe("b", blob, fromA, 1 * MB, 50 * MB, false, 0L, at(4));
    lag.observe("c", blob, Source.peer("holder"), 0, 100 * MB, true, 0L, at(0));
    lag.observe("c", blob, Source.peer("holder"), 1 * MB, 100 * MB, true, 0L, at(10));
    // Moved to another source: judged afresh from there.
    lag.observe("b", blob, Source.peer("z"), 1 * MB, 10 * MB, false, 0L, at(5));
    lag.observe("b", blob, Source.peer("z"), 2 * MB, 60 * MB, false, 0L, at(9));

    assertThat(lag.isBehind("b")).isFalse();
    assertThat(lag.isBehind("c")).isFalse();
  }

  @Test
  void timeSpentHoldingItsSourceBackForItsOwnReceiversDoesNotCount() {
    lag.observe("b", blob, fromA, 0, 10 * MB, false, 0L, at(0));
    // Held back 8 of 10 seconds by a slow node below it: 20 MB in its 2 free seconds and 10 s of
    // its source's 60 MB say nothing yet; at 14 s it took 30 MB in 6 free seconds, the source 90.
    lag.observe("b", blob, fromA, 20 * MB, 70 * MB, false, 8_000L, at(10));
    assertThat(lag.isBehind("b")).isFalse();
    lag.observe("b", blob, fromA, 30 * MB, 100 * MB, false, 8_000L, at(14));

    assertThat(lag.isBehind("b")).as("5 MB/s against the source's 6.4 MB/s").isFalse();
  }

  @Test
  void aTransferStartedAgainIsJudgedFromItsNewStart() {
    lag.observe("b", blob, fromA, 40 * MB, 50 * MB, false, 0L, at(0));
    lag.observe("b", blob, fromA, 0, 55 * MB, false, 0L, at(3));
    lag.observe("b", blob, fromA, 30 * MB, 90 * MB, false, 0L, at(9));

    assertThat(lag.isBehind("b")).as("30 MB in 6 s against the source's 35 MB").isFalse();
  }
}
