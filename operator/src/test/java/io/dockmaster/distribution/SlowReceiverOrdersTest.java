package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SlowReceiverOrdersTest {

  private static final Digest A = Digest.sha256("layer a".getBytes(StandardCharsets.UTF_8));
  private static final Digest B = Digest.sha256("layer b".getBytes(StandardCharsets.UTF_8));
  private static final Digest C = Digest.sha256("layer c".getBytes(StandardCharsets.UTF_8));
  private static final Map<Digest, WantedBlob> WANTED =
      Map.of(A, wanted(A, 100), B, wanted(B, 200), C, wanted(C, 300));

  private final SlowReceiverOrders orders = new SlowReceiverOrders();

  @Test
  void keptPeerTransfersAreOrderedAgainOnceEach() {
    NodeHoldings slow = new NodeHoldings();
    slow.receiving.put(A, Source.peer("relay"));
    slow.receiving.put(B, Source.peer("seed"));

    assertThat(orders.toOrderAgain("slow", slow, Set.of(), WANTED, Set.of("relay", "seed")))
        .containsExactlyInAnyOrder(
            new Transfer("slow", new Blob(A, 100), Source.peer("relay"), 1),
            new Transfer("slow", new Blob(B, 200), Source.peer("seed"), 1));
    assertThat(orders.toOrderAgain("slow", slow, Set.of(), WANTED, Set.of("relay", "seed")))
        .as("told once")
        .isEmpty();

    slow.receiving.put(A, Source.peer("seed"));
    assertThat(orders.toOrderAgain("slow", slow, Set.of(), WANTED, Set.of("relay", "seed")))
        .as("a new source of a kept transfer is told again")
        .containsExactly(new Transfer("slow", new Blob(A, 100), Source.peer("seed"), 1));
  }

  @Test
  void whatDidNotReachTheNodeIsOrderedAgain() {
    NodeHoldings slow = new NodeHoldings();
    slow.receiving.put(A, Source.peer("relay"));
    NodeHoldings other = new NodeHoldings();
    other.receiving.put(B, Source.peer("relay"));
    assertThat(orders.toOrderAgain("slow", slow, Set.of(), WANTED, Set.of("relay"))).hasSize(1);
    assertThat(orders.toOrderAgain("other", other, Set.of(), WANTED, Set.of("relay"))).hasSize(1);

    orders.orderFailed("slow");

    assertThat(orders.toOrderAgain("slow", slow, Set.of(), WANTED, Set.of("relay")))
        .containsExactly(new Transfer("slow", new Blob(A, 100), Source.peer("relay"), 1));
    assertThat(orders.toOrderAgain("other", other, Set.of(), WANTED, Set.of("relay")))
        .as("other nodes' orders went through")
        .isEmpty();
  }

  @Test
  void registryStreamsGoneSourcesTransfersPlannedNowAndOtherBlobsAreLeftAlone() {
    NodeHoldings slow = new NodeHoldings();
    slow.receiving.put(A, Source.UPSTREAM);
    slow.receiving.put(B, Source.peer("gone"));
    slow.receiving.put(C, Source.peer("relay"));
    slow.receiving.put(Digest.sha256(new byte[] {1}), Source.peer("relay"));

    assertThat(orders.toOrderAgain("slow", slow, Set.of(C), WANTED, Set.of("relay"))).isEmpty();
  }

  @Test
  void aTransferPlannedForTheSlowNodeIsNotOrderedAgainWhenKept() {
    orders.planned(new Transfer("slow", new Blob(A, 100), Source.peer("relay"), 2));
    NodeHoldings slow = new NodeHoldings();
    slow.receiving.put(A, Source.peer("relay"));

    assertThat(orders.toOrderAgain("slow", slow, Set.of(), WANTED, Set.of("relay"))).isEmpty();
  }

  private static WantedBlob wanted(Digest digest, long size) {
    return new WantedBlob(
        new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, size), "team/app");
  }
}
