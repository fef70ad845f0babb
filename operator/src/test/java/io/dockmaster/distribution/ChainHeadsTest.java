package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.MIB;
import static io.dockmaster.distribution.PlanFixtures.digest;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.AgentLease;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChainHeadsTest {

  private static final Instant START = Instant.parse("2026-12-06T00:00:00Z");
  private static final Digest LAYER = digest(0);
  private static final Digest NEXT = digest(1);
  private static final Digest ARM_ONLY = digest(2);
  private static final BlobGroup SHARED =
      new BlobGroup(Set.of("linux/amd64", "linux/arm64"), List.of(wanted(LAYER), wanted(NEXT)));
  private static final BlobGroup ARM =
      new BlobGroup(Set.of("linux/arm64"), List.of(wanted(ARM_ONLY)));
  private static final List<AgentLease> CHAIN =
      List.of(
          FakeAgents.lease("c", "linux/amd64"),
          FakeAgents.lease("a", "linux/amd64"),
          FakeAgents.lease("b", "linux/arm64"));

  private final ChainHeads heads = new ChainHeads("mirror");

  @Test
  void theFirstNodeGoesToTheEndOfTheChainOnceItHasFetchedForTenSeconds() {
    for (int second = 0; second < 10; second++) {
      assertThat(heads.lastInChain(SHARED, CHAIN, chainAt(second), at(second)))
          .as("after %d s", second)
          .isEmpty();
    }

    Map<String, NodeHoldings> round = chainAt(10);
    // It is first in another chain too, which moves its own first node when it is due.
    round.get("a").receiving.put(ARM_ONLY, Source.UPSTREAM);
    assertThat(heads.lastInChain(SHARED, CHAIN, round, at(10))).containsExactly("a");
    assertThat(round.get("a").withheld)
        .as("its registry streams of this chain's blobs, begun or waiting, go to another node")
        .containsExactlyInAnyOrder(LAYER, NEXT);
    assertThat(round.get("b").withheld).isEmpty();
  }

  @Test
  void aNodeIsMovedOncePerChainAndStaysLastForTheRun() {
    for (int second = 0; second <= 10; second++) {
      heads.lastInChain(SHARED, CHAIN, chainAt(second), at(second));
    }

    // b fetches now, for as long as it likes: the chain moves its first node once.
    for (int second = 11; second <= 40; second++) {
      Map<String, NodeHoldings> round = new HashMap<>();
      round.put("a", receiving(LAYER, Source.peer("c"), second * MIB));
      round.put("b", receiving(LAYER, Source.UPSTREAM, second * MIB));
      round.put("c", receiving(LAYER, Source.peer("b"), second * MIB));

      assertThat(heads.lastInChain(SHARED, CHAIN, round, at(second)))
          .as("after %d s", second)
          .containsExactly("a");
      assertThat(round.get("b").withheld).isEmpty();
    }
  }

  @Test
  void theClockStartsAgainWhenAnotherNodeTakesTheRegistryStreamOrNoneFetches() {
    for (int second = 0; second <= 6; second++) {
      heads.lastInChain(SHARED, CHAIN, chainAt(second), at(second));
    }
    // a failed (the registry refused it); b fetches from second 8.
    Map<String, NodeHoldings> none = new HashMap<>();
    none.put("a", new NodeHoldings());
    none.put("b", new NodeHoldings());
    none.put("c", new NodeHoldings());
    assertThat(heads.lastInChain(SHARED, CHAIN, none, at(7))).isEmpty();
    for (int second = 8; second < 18; second++) {
      Map<String, NodeHoldings> round = Map.of("b", receiving(LAYER, Source.UPSTREAM, MIB));

      assertThat(heads.lastInChain(SHARED, CHAIN, round, at(second)))
          .as("after %d s", second)
          .isEmpty();
    }

    assertThat(
            heads.lastInChain(
                SHARED, CHAIN, Map.of("b", receiving(LAYER, Source.UPSTREAM, MIB)), at(18)))
        .containsExactly("b");
  }

  @Test
  void eachChainOfAMirrorMovesItsOwnFirstNode() {
    List<AgentLease> arm = List.of(CHAIN.get(2));
    for (int second = 0; second <= 10; second++) {
      Map<String, NodeHoldings> round = chainAt(second);
      round.get("b").receiving.put(ARM_ONLY, Source.UPSTREAM);

      assertThat(heads.lastInChain(ARM, arm, round, at(second)))
          .as("a chain of one node has no end to move it to")
          .isEmpty();
      Set<String> shared = heads.lastInChain(SHARED, CHAIN, round, at(second));

      assertThat(round.get("b").withheld).as("b's own chain keeps its registry stream").isEmpty();
      assertThat(shared).isEqualTo(second == 10 ? Set.of("a") : Set.of());
    }
  }

  @Test
  void aNodeFetchingOnlyAnotherChainsBlobsIsNotThisChainsFirst() {
    for (int second = 0; second <= 12; second++) {
      Map<String, NodeHoldings> round = new HashMap<>();
      round.put("a", receiving(LAYER, Source.peer("b"), second * MIB));
      round.put("b", receiving(ARM_ONLY, Source.UPSTREAM, second * MIB));

      assertThat(heads.lastInChain(SHARED, CHAIN, round, at(second)))
          .as("after %d s", second)
          .isEmpty();
    }
  }

  /** a fetches the chain's first blob from the registry, and its next waits; b and c follow. */
  private static Map<String, NodeHoldings> chainAt(int second) {
    Map<String, NodeHoldings> round = new HashMap<>();
    NodeHoldings a = receiving(LAYER, Source.UPSTREAM, 2 * MIB * second);
    a.receiving.put(NEXT, Source.UPSTREAM);
    a.received.put(NEXT, 0L);
    round.put("a", a);
    round.put("b", receiving(LAYER, Source.peer("a"), 2 * MIB * second));
    round.put("c", receiving(LAYER, Source.peer("b"), 2 * MIB * second));
    return round;
  }

  private static NodeHoldings receiving(Digest unit, Source source, long received) {
    NodeHoldings node = new NodeHoldings();
    node.receiving.put(unit, source);
    node.received.put(unit, received);
    node.held = received;
    return node;
  }

  private static WantedBlob wanted(Digest digest) {
    return new WantedBlob(
        new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, 100 * MIB),
        "team/app");
  }

  private static Instant at(int second) {
    return START.plus(Duration.ofSeconds(second));
  }
}
