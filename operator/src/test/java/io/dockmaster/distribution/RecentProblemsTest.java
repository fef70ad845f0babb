package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.dockmaster.distribution.DistributionProgress.NodeProblem;
import io.dockmaster.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RecentProblemsTest {

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T12:00:00Z"));
  private final RecentProblems problems = new RecentProblems(clock);

  @Test
  void statusKeepsTheNewestProblemsUpToTheCapHoweverManyNodesHaveOne() {
    for (int node = 0; node < 5_000; node++) {
      problems.add("node-" + node, null, "AgentUnreachable", "could not order transfers");
      clock.advance(Duration.ofMillis(1));
    }

    assertThat(problems.list())
        .hasSize(RecentProblems.MAX)
        .extracting(NodeProblem::node)
        .startsWith("node-4999", "node-4998")
        .endsWith("node-" + (5_000 - RecentProblems.MAX));
  }

  @Test
  void aProblemRepeatedEveryRoundIsListedOnce() {
    problems.add("node-1", "sha256:aa", "CorruptSource", "peers received bytes ...");
    Instant first = clock.instant();
    for (int round = 0; round < 100; round++) {
      clock.advance(Duration.ofSeconds(1));
      problems.add("node-1", "sha256:aa", "CorruptSource", "peers received bytes ...");
    }
    problems.add("node-2", null, "AgentTooOld", "upgrade the agent on this node");

    assertThat(problems.list())
        .extracting(NodeProblem::node, NodeProblem::at)
        .containsExactly(tuple("node-2", clock.instant()), tuple("node-1", first));
  }
}
