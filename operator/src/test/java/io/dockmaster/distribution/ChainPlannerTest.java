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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
}
