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
  private static final Digest AMD_ONLY = digest(3);
  private static final Digest AMD_NEXT = digest(4);
  private static final BlobGroup SHARED =
      new BlobGroup(Set.of("linux/amd64", "linux/arm64"), List.of(wanted(LAYER), wanted(NEXT)));
  private static final BlobGroup ARM =
      new BlobGroup(Set.of("linux/arm64"), List.of(wanted(ARM_ONLY)));
  private static final BlobGroup AMD =
      new BlobGroup(Set.of("linux/amd64"), List.of(wanted(AMD_ONLY), wanted(AMD_NEXT)));
  private static final List<AgentLease> CHAIN =
      List.of(
          FakeAgents.lease("c", "linux/amd64"),
          FakeAgents.lease("a", "linux/amd64"),
          FakeAgents.lease("b", "linux/arm64"));
  private static final List<AgentLease> ARM_CHAIN =
      List.of(CHAIN.get(2), FakeAgents.lease("d", "linux/arm64"));

  private final ChainHeads heads = new ChainHeads("mirror");

  @Test
  void theFirstNodeGoesToTheEndOfTheChainOnceItHasFetchedForTenSeconds() {
    for (int second = 0; second < 10; second++) {
      assertThat(heads.lastInChain(SHARED, CHAIN, chainAt(second), at(second)))
          .as("after %d s", second)
          .isEmpty();
    }

    Map<String, NodeHoldings> round = chainAt(10);
    // It fetches a blob of another chain from the registry too, which this chain leaves alone.
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
  void aNodeThatTookTheRegistryStreamOverAfterReceivingFromAPeerIsNotMoved() {
    for (int second = 0; second <= 6; second++) {
      heads.lastInChain(SHARED, CHAIN, chainAt(second), at(second));
    }
    // a failed (the registry refused it); b, which ChainGaps judged against a, fetches from now.
    for (int second = 7; second <= 40; second++) {
      Map<String, NodeHoldings> round = Map.of("b", receiving(LAYER, Source.UPSTREAM, MIB));

      assertThat(heads.lastInChain(SHARED, CHAIN, round, at(second)))
          .as("after %d s", second)
          .isEmpty();
    }
  }

  @Test
  void theClockStartsAgainWhenNoNodeFetchesForARound() {
    for (int second = 0; second <= 6; second++) {
      heads.lastInChain(SHARED, CHAIN, chainAt(second), at(second));
    }
    Map<String, NodeHoldings> none = new HashMap<>();
    CHAIN.forEach(agent -> none.put(agent.node(), new NodeHoldings()));
    assertThat(heads.lastInChain(SHARED, CHAIN, none, at(7))).isEmpty();
    for (int second = 8; second < 18; second++) {
      assertThat(heads.lastInChain(SHARED, CHAIN, chainAt(second), at(second)))
          .as("after %d s", second)
          .isEmpty();
    }

    assertThat(heads.lastInChain(SHARED, CHAIN, chainAt(18), at(18))).containsExactly("a");
  }

  @Test
  void eachChainOfAMirrorMovesItsOwnFirstNode() {
    for (int second = 0; second <= 10; second++) {
      Map<String, NodeHoldings> round = chainAt(second);
      round.get("b").receiving.put(ARM_ONLY, Source.UPSTREAM);
      round.get("b").received.put(ARM_ONLY, MIB + second * MIB);
      round.put("d", receiving(ARM_ONLY, Source.peer("b"), second * MIB));

      Set<String> arm = heads.lastInChain(ARM, ARM_CHAIN, round, at(second));
      Set<String> shared = heads.lastInChain(SHARED, CHAIN, round, at(second));

      assertThat(arm).as("after %d s", second).isEqualTo(second == 10 ? Set.of("b") : Set.of());
      assertThat(shared)
          .as("after %d s: a moved, and b, moved in the other chain, last in this one too", second)
          .isEqualTo(second == 10 ? Set.of("a", "b") : Set.of());
      assertThat(round.get("b").withheld).isEqualTo(second == 10 ? Set.of(ARM_ONLY) : Set.of());
    }
  }

  @Test
  void aNodeIsMovedOnceForEveryChainItIsIn() {
    // a heads both chains; once moved in one it is last in the other too, whose next node, which
    // received from a, is not moved, even as the chains' members change. There a keeps the blob it
    // has begun from the registry and hands over the next.
    List<AgentLease> amd = List.of(CHAIN.get(0), CHAIN.get(1));
    for (int second = 0; second <= 30; second++) {
      Map<String, NodeHoldings> round = chainAt(second);
      round.get("a").receiving.put(AMD_ONLY, Source.UPSTREAM);
      round.get("a").received.put(AMD_ONLY, MIB + second * MIB);
      round.get("a").receiving.put(AMD_NEXT, Source.UPSTREAM);
      round.get("a").received.put(AMD_NEXT, 0L);
      round.get("c").receiving.put(AMD_ONLY, second < 10 ? Source.peer("a") : Source.UPSTREAM);
      round.get("c").received.put(AMD_ONLY, second * MIB);

      Set<String> shared = heads.lastInChain(SHARED, CHAIN, round, at(second));
      Set<String> own = heads.lastInChain(AMD, amd, round, at(second));

      Set<String> expected = second >= 10 ? Set.of("a") : Set.of();
      assertThat(shared).as("after %d s", second).isEqualTo(expected);
      assertThat(own).as("after %d s", second).isEqualTo(expected);
      if (second >= 10) {
        assertThat(round.get("a").withheld).containsExactlyInAnyOrder(LAYER, NEXT, AMD_NEXT);
        assertThat(round.get("c").withheld).isEmpty();
      }
    }
    Map<String, NodeHoldings> later = chainAt(40);
    assertThat(heads.lastInChain(SHARED, List.of(CHAIN.get(0), CHAIN.get(1)), later, at(40)))
        .as("the chain without its arm64 node")
        .containsExactly("a");
  }

  @Test
  void aFirstNodeFarAheadOfTheLastKeepsItsBlobFromTheRegistryAndHandsOverTheNext() {
    for (int second = 0; second <= 10; second++) {
      Map<String, NodeHoldings> round = chainAt(second);
      // a is 50 MiB into the blob at 2 MiB/s; c has not begun it: a wait of 25 s. a takes in
      // another chain's blobs at 100 MiB/s besides, which do not make this chain faster.
      round.get("a").received.put(LAYER, 30 * MIB + 2 * MIB * second);
      round.get("a").held = 100 * MIB * second;
      round.put("c", receiving(LAYER, Source.peer("b"), 0));

      Set<String> last = heads.lastInChain(SHARED, CHAIN, round, at(second));

      if (second == 10) {
        assertThat(last).containsExactly("a");
        assertThat(round.get("a").withheld).containsExactly(NEXT);
      }
    }
    Map<String, NodeHoldings> later = chainAt(30);
    heads.lastInChain(SHARED, CHAIN, later, at(30));
    assertThat(later.get("a").withheld).as("for the run").containsExactly(NEXT);
  }

  @Test
  void aNodeMeasuredSlowFarBehindDoesNotKeepTheMovedNodeOnTheRegistry() {
    // c, measured slow, is last in the chain: the moved node receives from b, just behind it.
    for (int second = 0; second <= 10; second++) {
      Map<String, NodeHoldings> round = chainAt(second);
      round.get("a").received.put(LAYER, 30 * MIB + 2 * MIB * second);
      round.get("b").received.put(LAYER, 29 * MIB + 2 * MIB * second);
      round.put("c", receiving(LAYER, Source.peer("b"), 0));
      round.get("c").measuredSlow = true;

      heads.lastInChain(SHARED, CHAIN, round, at(second));

      if (second == 10) {
        assertThat(round.get("a").withheld).containsExactlyInAnyOrder(LAYER, NEXT);
      }
    }
  }

  @Test
  void aFirstNodeThatTookALayerFromAHolderIsStillMoved() {
    // c held an old layer the chain's blobs include, and a took it from c: no chain judged a.
    for (int second = 0; second <= 10; second++) {
      Map<String, NodeHoldings> round = chainAt(second);
      round.get("a").receiving.put(ARM_ONLY, Source.peer("c"));
      round.get("a").received.put(ARM_ONLY, MIB);
      round.get("c").complete.add(ARM_ONLY);
      BlobGroup withOldLayer =
          new BlobGroup(SHARED.platforms(), List.of(wanted(LAYER), wanted(NEXT), wanted(ARM_ONLY)));

      assertThat(heads.lastInChain(withOldLayer, CHAIN, round, at(second)))
          .isEqualTo(second == 10 ? Set.of("a") : Set.of());
    }
  }

  @Test
  void aNodeMeasuredSlowStillFetchingIsNotTakenForTheFirstNode() {
    // a, measured slow, keeps the registry stream it had begun; b seeds the next blob.
    for (int second = 0; second <= 10; second++) {
      Map<String, NodeHoldings> round = new HashMap<>();
      round.put("a", receiving(LAYER, Source.UPSTREAM, 40 * MIB + second * MIB / 2));
      round.get("a").measuredSlow = true;
      round.put("b", receiving(NEXT, Source.UPSTREAM, second * 10 * MIB));
      round.put("c", receiving(NEXT, Source.peer("b"), second * 10 * MIB));

      assertThat(heads.lastInChain(SHARED, CHAIN, round, at(second)))
          .as("after %d s", second)
          .isEqualTo(second == 10 ? Set.of("b") : Set.of());
      assertThat(round.get("a").withheld).isEmpty();
    }
  }

  @Test
  void aFirstNodeIsNotMovedWhileItFetchesTwoBlobs() {
    for (int second = 0; second <= 12; second++) {
      Map<String, NodeHoldings> round = chainAt(second);
      // From second 9 to 11 a fetches the end of one blob and the start of the next; then the
      // first is complete.
      round.get("a").received.put(NEXT, second >= 9 ? MIB : 0L);
      if (second == 12) {
        round.get("a").receiving.remove(LAYER);
        round.get("a").received.remove(LAYER);
        round.get("a").complete.add(LAYER);
      }

      assertThat(heads.lastInChain(SHARED, CHAIN, round, at(second)))
          .as("after %d s", second)
          .isEqualTo(second == 12 ? Set.of("a") : Set.of());
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
