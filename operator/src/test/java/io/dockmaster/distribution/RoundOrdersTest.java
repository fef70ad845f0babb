package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.blob;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundOrdersTest {

  private final Blob layer = blob(0, 1000);
  private final Blob other = blob(1, 1000);

  @Test
  void aTreeNewInTheRoundIsToldLevelByLevel() {
    Transfer seed = new Transfer("seed", layer, Source.UPSTREAM, 1);
    Transfer relay = new Transfer("relay", layer, Source.peer("seed"), 2);
    Transfer leaf = new Transfer("leaf", layer, Source.peer("relay"), 3);
    RoundOrders waves = planned(leaf, relay, seed);

    assertThat(List.of(seed, relay, leaf)).extracting(waves::waveOf).containsExactly(1, 2, 3);
  }

  @Test
  void aChainIsToldAllAtOnce() {
    Transfer seed = new Transfer("seed", layer, Source.UPSTREAM, 1);
    Transfer relay = new Transfer("relay", layer, Source.peer("seed"), 2);
    Transfer last = new Transfer("last", layer, Source.peer("relay"), 3);
    RoundOrders waves = new RoundOrders();
    waves.planned(List.of(seed, relay, last), true);

    assertThat(List.of(seed, relay, last)).extracting(waves::waveOf).containsExactly(1, 1, 1);
  }

  @Test
  void aSourceWithoutANewTransferOfTheBlobIsToldAlready() {
    // "relay" keeps the transfer it has, or holds the blob; its new transfer is of another blob.
    Transfer deep = new Transfer("moved", layer, Source.peer("relay"), 4);
    Transfer relayOfOther = new Transfer("relay", other, Source.UPSTREAM, 1);
    Transfer belowDeep = new Transfer("leaf", layer, Source.peer("moved"), 5);
    RoundOrders waves = planned(deep, relayOfOther, belowDeep);

    assertThat(waves.waveOf(deep)).isEqualTo(1);
    assertThat(waves.waveOf(belowDeep)).isEqualTo(2);
  }

  @Test
  void aCycleInAFaultyPlanStillEnds() {
    Transfer one = new Transfer("a", layer, Source.peer("b"), 2);
    Transfer two = new Transfer("b", layer, Source.peer("a"), 2);

    assertThat(planned(one, two).waveOf(one)).isLessThanOrEqualTo(3);
  }

  @Test
  void aCallWaitsOnlyForTheCallsOfItsSources() {
    Transfer seedA = new Transfer("seed-a", layer, Source.UPSTREAM, 1);
    Transfer seedB = new Transfer("seed-b", other, Source.UPSTREAM, 1);
    Transfer underA = new Transfer("x", layer, Source.peer("seed-a"), 2);
    Transfer underB = new Transfer("x", other, Source.peer("seed-b"), 2);
    Transfer onlyUnderB = new Transfer("y", other, Source.peer("seed-b"), 2);
    RoundOrders orders = planned(seedA, seedB, underA, underB, onlyUnderB);
    for (Transfer transfer : List.of(seedA, seedB, underA, underB, onlyUnderB)) {
      orders.add(transfer, order(transfer));
    }

    assertThat(orders.waves().keySet()).containsExactly(1, 2);
    assertThat(orders.waves().get(2).get("x")).hasSize(2);
    assertThat(orders.after(2, "x")).containsExactlyInAnyOrder("seed-a", "seed-b");
    assertThat(orders.after(2, "y")).containsExactly("seed-b");
    assertThat(orders.after(1, "seed-a")).isEmpty();
  }

  private static RoundOrders planned(Transfer... start) {
    RoundOrders orders = new RoundOrders();
    orders.planned(List.of(start));
    return orders;
  }

  private static TransferOrder order(Transfer transfer) {
    return new TransferOrder(
        transfer.blob().digest().toString(),
        transfer.blob().size(),
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "team/app",
        TransferSource.peer("any", "https://any:8443"),
        "mirror");
  }
}
