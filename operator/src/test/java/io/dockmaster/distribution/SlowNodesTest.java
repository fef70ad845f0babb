package io.dockmaster.distribution;

import static io.dockmaster.distribution.ChainGapsTest.chainNode;
import static io.dockmaster.distribution.PlanFixtures.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.AgentLease;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SlowNodesTest {

  private static final String PLATFORM = "linux/amd64";
  private static final Instant START = Instant.parse("2026-12-06T00:00:00Z");
  private static final List<BlobGroup> GROUPS = List.of(new BlobGroup(Set.of(PLATFORM), List.of()));

  private final DistributionMetrics metrics = new DistributionMetrics(new SimpleMeterRegistry());
  private final SlowNodes slowNodes =
      new SlowNodes(
          "mirror",
          new ChainOrTrees(),
          new LaggingRelays("mirror", metrics, Digest::shortForm),
          metrics);

  @Test
  void theNodesThatReportedArePlannedAsAChainSoTheyAreJudgedAsOneThoughMoreAgentsAreAlive() {
    // 33 agents, more than a chain takes; only a, b and c reported, and the planner plans over
    // those, as a chain.
    List<AgentLease> agents = new ArrayList<>();
    for (String node : List.of("a", "b", "c")) {
      agents.add(FakeAgents.lease(node, PLATFORM));
    }
    for (int i = 0; i < ChainOrTrees.MAX_CHAIN_NODES - 2; i++) {
      agents.add(FakeAgents.lease("silent-" + i, PLATFORM));
    }
    Map<String, NodeHoldings> round = Map.of();
    for (int second = 0; second <= 5; second++) {
      // b takes in 2 MiB/s from a, which goes on at 12 MiB/s
      round =
          Map.of(
              "a", chainNode("a", second * 12 * MIB, "seed"),
              "b", chainNode("b", second * 2 * MIB + MIB, "a"),
              "c", chainNode("c", second * 2 * MIB, "b"));
      slowNodes.judge(GROUPS, agents, round, START.plusSeconds(second));
    }

    assertThat(round.get("b").measuredSlow).isTrue();
    assertThat(round.get("b").withheld).containsAll(round.get("b").receiving.keySet());
    assertThat(round.get("a").measuredSlow).isFalse();
    assertThat(round.get("c").measuredSlow).isFalse();
  }
}
