package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.blob;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OrderWavesTest {

  private final Blob layer = blob(0, 1000);
  private final Blob other = blob(1, 1000);

  @Test
  void aTreeNewInTheRoundIsToldLevelByLevel() {
    Transfer seed = new Transfer("seed", layer, Source.UPSTREAM, 1);
    Transfer relay = new Transfer("relay", layer, Source.peer("seed"), 2);
    Transfer leaf = new Transfer("leaf", layer, Source.peer("relay"), 3);
    OrderWaves waves = new OrderWaves(List.of(leaf, relay, seed));

    assertThat(List.of(seed, relay, leaf)).extracting(waves::waveOf).containsExactly(1, 2, 3);
  }

  @Test
  void aSourceWithoutANewTransferOfTheBlobIsToldAlready() {
    // "relay" keeps the transfer it has, or holds the blob; its new transfer is of another blob.
    Transfer deep = new Transfer("moved", layer, Source.peer("relay"), 4);
    Transfer relayOfOther = new Transfer("relay", other, Source.UPSTREAM, 1);
    Transfer belowDeep = new Transfer("leaf", layer, Source.peer("moved"), 5);
    OrderWaves waves = new OrderWaves(List.of(deep, relayOfOther, belowDeep));

    assertThat(waves.waveOf(deep)).isEqualTo(1);
    assertThat(waves.waveOf(belowDeep)).isEqualTo(2);
  }

  @Test
  void aCycleInAFaultyPlanStillEnds() {
    Transfer one = new Transfer("a", layer, Source.peer("b"), 2);
    Transfer two = new Transfer("b", layer, Source.peer("a"), 2);

    assertThat(new OrderWaves(List.of(one, two)).waveOf(one)).isLessThanOrEqualTo(3);
  }
}
