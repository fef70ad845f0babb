package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.MIB;
import static io.dockmaster.distribution.PlanFixtures.blob;
import static io.dockmaster.distribution.PlanFixtures.emptyNodes;
import static io.dockmaster.distribution.PlanFixtures.holding;
import static io.dockmaster.distribution.PlanFixtures.measuredSlow;
import static io.dockmaster.distribution.PlanFixtures.name;
import static io.dockmaster.distribution.PlanFixtures.receiving;
import static io.dockmaster.distribution.PlanFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ChainPlannerTest {

  private final ChainPlanner planner = new ChainPlanner();
  private final Blob small = blob(0, 10 * MIB);
  private final Blob large = blob(1, 100 * MIB);

  /** Each node's source of {@code blob} in the plan, by node name. */
  private static Map<String, String> sources(Plan plan, Blob blob) {
    return plan.transfers()
        .filter(t -> t.blob().equals(blob))
        .collect(Collectors.toMap(Transfer::node, t -> t.source().toString()));
  }

  @Test
  void everyBlobRunsDownTheSameChainOneAfterAnother() {
    PlanRequest request = request(List.of(small, large), emptyNodes(4));

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    for (Blob blob : List.of(small, large)) {
      assertThat(sources(plan, blob))
          .as("the first node fetches %s from the registry, each other from the one before", blob)
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  name(0), "upstream",
                  name(1), "peer/" + name(0),
                  name(2), "peer/" + name(1),
                  name(3), "peer/" + name(2)));
    }
    assertThat(plan.maxDepth()).isEqualTo(4);
    assertThat(plan.sequence()).as("largest first").containsExactly(large, small);
  }

  @Test
  void aNodeThatFailedIsBridgedByTheOneBeforeIt() {
    // node-0001 failed; the rest of the chain keeps streaming.
    List<PlanNode> nodes =
        List.of(
            receiving(name(0), large, Source.UPSTREAM, 60 * MIB),
            receiving(name(2), large, Source.peer(name(1)), 50 * MIB),
            receiving(name(3), large, Source.peer(name(2)), 49 * MIB));
    PlanRequest request = request(List.of(large), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start()).containsExactly(new Transfer(name(2), large, Source.peer(name(0)), 2));
    assertThat(plan.keep()).extracting(Transfer::node).containsExactly(name(0), name(3));
  }

  @Test
  void nodesMeasuredSlowGoLastAndServeNoOne() {
    List<PlanNode> nodes = new ArrayList<>(emptyNodes(4));
    nodes.set(1, measuredSlow(nodes.get(1)));
    nodes.set(2, measuredSlow(nodes.get(2)));
    PlanRequest request = request(List.of(large), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(sources(plan, large))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                name(0), "upstream",
                name(3), "peer/" + name(0),
                name(1), "peer/" + name(3),
                name(2), "peer/" + name(3)));
  }

  @Test
  void aNodeThatJoinsLateGetsASourceAheadOfItAndMovesNoOne() {
    List<PlanNode> nodes =
        List.of(
            holding(name(0), large),
            receiving(name(1), large, Source.peer(name(0)), 80 * MIB),
            receiving(name(2), large, Source.peer(name(1)), 79 * MIB),
            PlanNode.empty(name(1) + "-late"));
    PlanRequest request = request(List.of(large), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep()).extracting(Transfer::node).containsExactly(name(1), name(2));
    assertThat(plan.start())
        .as("the nearest node before it in the chain")
        .containsExactly(new Transfer(name(1) + "-late", large, Source.peer(name(1)), 2));
  }

  @Test
  void aReceiverPlannedAgainGoesToANodeAsFarInTheBlobAsItIs() {
    // node-0002's source failed at 70 MiB; node-0001 is behind it, so it goes to node-0000.
    List<PlanNode> nodes =
        List.of(
            receiving(name(0), large, Source.UPSTREAM, 90 * MIB),
            receiving(name(1), large, Source.peer(name(0)), 40 * MIB),
            receiving(name(2), large, Source.peer("gone"), 70 * MIB));
    PlanRequest request = request(List.of(large), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start()).containsExactly(new Transfer(name(2), large, Source.peer(name(0)), 2));
  }

  @Test
  void aNodeFoundSlowMidChainGoesToTheEndForWhatItHasNotBegun() {
    // node-0002 is slow: it keeps the large blob it is partway through; the small one, next in its
    // sequence, it takes from the chain's last node, and node-0003 goes round it.
    Source upstream = Source.UPSTREAM;
    List<PlanNode> nodes =
        List.of(
            node(name(0), Map.of(small.digest(), upstream), Map.of(small.digest(), 5 * MIB), large),
            node(name(1), Map.of(small.digest(), peer(0)), Map.of(small.digest(), 4 * MIB), large),
            measuredSlow(
                withheld(
                    node(
                        name(2),
                        Map.of(large.digest(), peer(1), small.digest(), peer(1)),
                        Map.of(large.digest(), 20 * MIB, small.digest(), 0L)))),
            node(
                name(3),
                Map.of(large.digest(), peer(2), small.digest(), peer(2)),
                Map.of(large.digest(), 19 * MIB, small.digest(), 0L)),
            node(
                name(4),
                Map.of(large.digest(), peer(3), small.digest(), peer(3)),
                Map.of(large.digest(), 18 * MIB, small.digest(), 0L)));
    PlanRequest request = request(List.of(large, small), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(sources(plan, large))
        .as("the slow node keeps what it began; the node after it goes to the node before it")
        .containsEntry(name(2), "peer/" + name(1))
        .containsEntry(name(3), "peer/" + name(1))
        .containsEntry(name(4), "peer/" + name(3));
    assertThat(sources(plan, small))
        .as("what the slow node had not begun comes from the end of the chain")
        .containsEntry(name(3), "peer/" + name(1))
        .containsEntry(name(4), "peer/" + name(3))
        .containsEntry(name(2), "peer/" + name(4));
    assertThat(plan.keep())
        .extracting(t -> t.node() + " " + t.blob().size())
        .contains(name(2) + " " + large.size())
        .doesNotContain(name(2) + " " + small.size());
  }

  @Test
  void aFirstNodeMovedLastHandsItsRegistryStreamOnAndReceivesFromTheLastNode() {
    // node-0000 fetched the large blob for a while and goes to the end of the chain (ChainHeads):
    // the run withholds its registry stream.
    List<PlanNode> nodes =
        List.of(
            withheld(
                node(
                    name(0),
                    Map.of(large.digest(), Source.UPSTREAM),
                    Map.of(large.digest(), 30 * MIB))),
            node(name(1), Map.of(large.digest(), peer(0)), Map.of(large.digest(), 29 * MIB)),
            node(name(2), Map.of(large.digest(), peer(1)), Map.of(large.digest(), 28 * MIB)),
            node(name(3), Map.of(large.digest(), peer(2)), Map.of(large.digest(), 27 * MIB)));
    PlanRequest request = new PlanRequest(List.of(large, small), nodes, 1, Set.of(name(0)));

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    Map<String, String> chain =
        Map.of(
            name(1), "upstream",
            name(2), "peer/" + name(1),
            name(3), "peer/" + name(2),
            name(0), "peer/" + name(3));
    assertThat(sources(plan, large))
        .as("the node after it continues the registry stream; it waits for the last node")
        .containsExactlyInAnyOrderEntriesOf(chain);
    assertThat(sources(plan, small)).containsExactlyInAnyOrderEntriesOf(chain);
    assertThat(plan.keep())
        .extracting(Transfer::node)
        .as("the rest of the chain streams on")
        .containsExactlyInAnyOrder(name(2), name(3));
  }

  @Test
  void aSeedMeasuredSlowHandsItsStreamOnAndReceivesFromTheLastNodeNotTheNewSeed() {
    // Taking from node-0001, which took its stream over, would share node-0001's upload with
    // node-0002.
    List<PlanNode> nodes =
        List.of(
            measuredSlow(
                withheld(
                    node(
                        name(0),
                        Map.of(large.digest(), Source.UPSTREAM),
                        Map.of(large.digest(), 30 * MIB)))),
            node(name(1), Map.of(large.digest(), peer(0)), Map.of(large.digest(), 29 * MIB)),
            node(name(2), Map.of(large.digest(), peer(1)), Map.of(large.digest(), 28 * MIB)));
    PlanRequest request = request(List.of(large), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(sources(plan, large))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(name(1), "upstream", name(2), "peer/" + name(1), name(0), "peer/" + name(2)));
  }

  private static Source peer(int node) {
    return Source.peer(name(node));
  }

  private static PlanNode node(
      String name, Map<Digest, Source> receiving, Map<Digest, Long> received, Blob... holds) {
    return new PlanNode(
        name, 0, 0, holding(name, holds).complete(), receiving, Set.of(), false, received);
  }

  /** As the run withholds a node measured slow: from everything it is receiving. */
  private static PlanNode withheld(PlanNode node) {
    return new PlanNode(
        node.name(),
        0,
        0,
        node.complete(),
        node.receiving(),
        node.receiving().keySet(),
        false,
        node.received());
  }
}
