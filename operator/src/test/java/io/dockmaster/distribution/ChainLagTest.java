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
    lag.observe("b", blob, fromA, 0, 10 * MB, false, at(0));
    lag.observe("b", blob, fromA, 20 * MB, 70 * MB, false, at(6));

    assertThat(lag.isBehind("b")).isTrue();
  }

  @Test
  void aNodeKeepingPaceWithItsSourceDoesNot() {
    lag.observe("b", blob, fromA, 0, 4 * MB, false, at(0));
    lag.observe("b", blob, fromA, 30 * MB, 60 * MB, false, at(6));

    assertThat(lag.isBehind("b")).as("took in 30 MB while its source took in 56").isFalse();
  }

  @Test
  void nothingIsJudgedBeforeFiveSecondsWithOneSourceNorAgainstAHolder() {
    lag.observe("b", blob, fromA, 0, 10 * MB, false, at(0));
    lag.observe("b", blob, fromA, 1 * MB, 50 * MB, false, at(4));
    lag.observe("c", blob, Source.peer("holder"), 0, 100 * MB, true, at(0));
    lag.observe("c", blob, Source.peer("holder"), 1 * MB, 100 * MB, true, at(10));
    // Moved to another source: judged afresh from there.
    lag.observe("b", blob, Source.peer("z"), 1 * MB, 10 * MB, false, at(5));
    lag.observe("b", blob, Source.peer("z"), 2 * MB, 60 * MB, false, at(9));

    assertThat(lag.isBehind("b")).isFalse();
    assertThat(lag.isBehind("c")).isFalse();
  }
}
