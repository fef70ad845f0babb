package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.MIB;
import static io.dockmaster.distribution.PlanFixtures.blob;
import static io.dockmaster.distribution.PlanFixtures.holding;
import static io.dockmaster.distribution.PlanFixtures.measuredSlow;
import static io.dockmaster.distribution.PlanFixtures.receiving;
import static io.dockmaster.distribution.PlanFixtures.request;
import static io.dockmaster.distribution.PlanFixtures.withUpload;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Receivers moving to holders with upload to spare, through the planner that calls them. */
class SpareHoldersTest {

  private final MultiTreePlanner planner = new MultiTreePlanner();
  private final Blob layer = blob(0, 100 * MIB);

  /**
   * The seed done, its relay "relay" still receiving and serving five nodes {@code receivedEach}
   * in, less a mebibyte more for each.
   */
  private List<PlanNode> relayServingFive(long receivedEach) {
    List<PlanNode> nodes = new ArrayList<>();
    nodes.add(holding("seed", layer));
    nodes.add(receiving("relay", layer, Source.peer("seed"), 50 * MIB));
    for (int i = 0; i < 5; i++) {
      nodes.add(receiving("leaf-" + i, layer, Source.peer("relay"), receivedEach - i * MIB));
    }
    return nodes;
  }

  /** New transfers of the blob to nodes that were receiving it already. */
  private static List<Transfer> movedOf(PlanRequest request, Plan plan, Blob blob) {
    Map<String, PlanNode> nodes =
        request.nodes().stream().collect(Collectors.toMap(PlanNode::name, Function.identity()));
    return plan.start().stream()
        .filter(t -> t.blob().equals(blob))
        .filter(t -> nodes.get(t.node()).receiving().containsKey(blob.digest()))
        .toList();
  }

  private Map<String, Long> served(Plan plan) {
    return plan.transfers()
        .filter(t -> !t.source().isUpstream())
        .collect(Collectors.groupingBy(t -> t.source().node(), Collectors.counting()));
  }

  @Test
  void receiversOfABusyRelayMoveToIdleHoldersUntilTheLoadsAreEven() {
    List<PlanNode> nodes = relayServingFive(40 * MIB);
    nodes.add(holding("idle", layer));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(served(plan))
        .as("five, one and none before: two each now")
        .containsOnly(Map.entry("relay", 2L), Map.entry("seed", 2L), Map.entry("idle", 2L));
    assertThat(plan.start())
        .as("those furthest behind move, each continuing from a holder, one below it")
        .extracting(Transfer::node)
        .containsExactlyInAnyOrder("leaf-4", "leaf-3", "leaf-2");
    assertThat(plan.start()).allSatisfy(t -> assertThat(t.depth()).isEqualTo(1));
    assertThat(plan.keep())
        .extracting(Transfer::node)
        .containsExactlyInAnyOrder("relay", "leaf-0", "leaf-1");
  }

  @Test
  void aMovedRelayKeepsItsReceiversOneLevelBelowIt() {
    List<PlanNode> nodes = new ArrayList<>();
    nodes.add(holding("seed", layer));
    nodes.add(holding("idle", layer));
    // "busy" serves three; one of them, "relay", serves two of its own.
    nodes.add(receiving("busy", layer, Source.peer("seed"), 90 * MIB));
    // Furthest behind, so it moves first.
    nodes.add(receiving("relay", layer, Source.peer("busy"), 20 * MIB));
    nodes.add(receiving("b", layer, Source.peer("busy"), 60 * MIB));
    nodes.add(receiving("c", layer, Source.peer("busy"), 60 * MIB));
    nodes.add(receiving("below-1", layer, Source.peer("relay"), 50 * MIB));
    nodes.add(receiving("below-2", layer, Source.peer("relay"), 50 * MIB));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    Map<String, Transfer> byNode =
        plan.transfers().collect(Collectors.toMap(Transfer::node, Function.identity()));
    assertThat(byNode.get("relay")).isEqualTo(new Transfer("relay", layer, Source.peer("idle"), 1));
    assertThat(plan.keep())
        .as("its receivers stay with it, one level below it now")
        .contains(
            new Transfer("below-1", layer, Source.peer("relay"), 2),
            new Transfer("below-2", layer, Source.peer("relay"), 2));
    assertThat(served(plan)).containsEntry("busy", 2L);
  }

  @Test
  void receiversWithUnderFourMebibytesLeftFinishWhereTheyAre() {
    List<PlanNode> nodes = new ArrayList<>();
    nodes.add(holding("seed", layer));
    nodes.add(holding("idle", layer));
    nodes.add(receiving("relay", layer, Source.peer("seed"), layer.size() - MIB));
    for (int i = 0; i < 4; i++) {
      long almostDone = layer.size() - SpareHolders.MIN_BYTES_LEFT + 1;
      nodes.add(receiving("leaf-" + i, layer, Source.peer("relay"), almostDone));
    }
    long justEnoughLeft = layer.size() - SpareHolders.MIN_BYTES_LEFT;
    nodes.add(receiving("leaf-4", layer, Source.peer("relay"), justEnoughLeft));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .as("only the one with 4 MiB left moves")
        .containsExactly(new Transfer("leaf-4", layer, Source.peer("idle"), 1));
  }

  @Test
  void aTreeWithNodesStillToPlaceKeepsItsHoldersForThem() {
    List<PlanNode> nodes = relayServingFive(40 * MIB);
    nodes.add(holding("idle", layer));
    nodes.add(PlanNode.empty("new"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .as("moving the relay's receivers first would fill the holders and put it under a relay")
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.node()).isEqualTo("new");
              assertThat(t.depth()).isEqualTo(1);
            });
  }

  @Test
  void aHolderAsLoadedAsTheSourceWouldBeTakesNoOne() {
    Blob other = blob(1, 100 * MIB);
    List<PlanNode> nodes = relayServingFive(40 * MIB);
    // The seed serves the relay and, in another blob's tree, four more.
    for (int i = 0; i < 4; i++) {
      nodes.add(receiving("other-" + i, other, Source.peer("seed"), 0));
    }
    PlanRequest request = request(List.of(layer, other), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .as("the seed serves five; with six after a move it would not be below the relay's five")
        .noneMatch(t -> t.blob().equals(layer) && t.source().equals(Source.peer("seed")));
  }

  @Test
  void aHolderTwiceAsFastEndsServingTwiceAsManyWithinOne() {
    long rate = 10 * MIB;
    List<PlanNode> nodes = new ArrayList<>();
    nodes.add(withUpload(holding("seed", layer), rate));
    nodes.add(withUpload(holding("fast", layer), 2 * rate));
    nodes.add(withUpload(receiving("relay", layer, Source.peer("seed"), 50 * MIB), rate));
    for (int i = 0; i < 8; i++) {
      nodes.add(withUpload(receiving("leaf-" + i, layer, Source.peer("relay"), 10 * MIB), rate));
    }
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    // Receivers per unit of capacity end even, within one: the relay and the seed serve two
    // each, the holder twice as fast five.
    assertThat(served(plan))
        .containsOnly(Map.entry("relay", 2L), Map.entry("seed", 2L), Map.entry("fast", 5L));
  }

  @Test
  void nodesMeasuredSlowNeitherTakeNorMoveReceivers() {
    List<PlanNode> nodes = new ArrayList<>();
    nodes.add(holding("seed", layer));
    nodes.add(measuredSlow(holding("slow-holder", layer)));
    nodes.add(receiving("relay", layer, Source.peer("seed"), 50 * MIB));
    nodes.add(measuredSlow(receiving("slow-leaf", layer, Source.peer("relay"))));
    for (int i = 0; i < 4; i++) {
      nodes.add(receiving("leaf-" + i, layer, Source.peer("relay"), 40 * MIB));
    }
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.transfers().toList())
        .noneMatch(t -> t.source().equals(Source.peer("slow-holder")))
        .anyMatch(t -> t.node().equals("slow-leaf") && t.source().equals(Source.peer("relay")));
    assertThat(plan.start())
        .as("the seed, serving only the relay, takes receivers that are not slow")
        .isNotEmpty()
        .allSatisfy(t -> assertThat(t.source()).isEqualTo(Source.peer("seed")));
  }

  @Test
  void aNodeMerelyAheadTakesNoOneHoweverIdle() {
    List<PlanNode> nodes = new ArrayList<>();
    nodes.add(receiving("seed", layer, Source.UPSTREAM, 60 * MIB));
    nodes.add(receiving("relay", layer, Source.peer("seed"), 55 * MIB));
    nodes.add(receiving("ahead", layer, Source.peer("seed"), 58 * MIB));
    for (int i = 0; i < 5; i++) {
      nodes.add(receiving("leaf-" + i, layer, Source.peer("relay"), 40 * MIB));
    }
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .as("early in a run loads are uneven while transfers start; only holders take receivers")
        .isEmpty();
  }

  @Test
  void aRunningPlanWithEvenLoadsStaysAsItIs() {
    PlanRequest first = PlanFixtures.fresh(20, 5, 100 * MIB);
    Plan plan = planner.plan(first);
    // The seeds are done, every other transfer under way, each level 4 MiB behind the one above
    // it, as relays in step are: the seeds serve as many as the relays do.
    Map<String, Set<Digest>> complete = new HashMap<>();
    Map<String, Map<Digest, Source>> receiving = new HashMap<>();
    Map<String, Map<Digest, Long>> received = new HashMap<>();
    for (PlanNode node : first.nodes()) {
      complete.put(node.name(), new HashSet<>());
      receiving.put(node.name(), new HashMap<>());
      received.put(node.name(), new HashMap<>());
    }
    for (Transfer t : plan.start()) {
      if (t.source().isUpstream()) {
        complete.get(t.node()).add(t.blob().digest());
      } else {
        receiving.get(t.node()).put(t.blob().digest(), t.source());
        received.get(t.node()).put(t.blob().digest(), 60 * MIB - 4 * MIB * t.depth());
      }
    }
    List<PlanNode> running =
        first.nodes().stream()
            .map(
                n ->
                    new PlanNode(
                        n.name(),
                        0,
                        0,
                        complete.get(n.name()),
                        receiving.get(n.name()),
                        Set.of(),
                        false,
                        received.get(n.name())))
            .toList();
    PlanRequest next = new PlanRequest(first.blobs(), running, 1);

    Plan again = planner.plan(next);

    PlanInvariants.assertValid(next, again);
    assertThat(again.start()).isEmpty();
    assertThat(again.keep()).hasSize(plan.start().size() - first.blobs().size());
  }
}
