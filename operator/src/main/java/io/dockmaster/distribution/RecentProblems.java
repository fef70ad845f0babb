package io.dockmaster.distribution;

import io.dockmaster.distribution.DistributionProgress.NodeProblem;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The most recent distinct problems of one run, newest first and capped, so status stays small at
 * thousands of nodes. Thread-safe: agent-call threads report here while a round runs.
 */
final class RecentProblems {

  static final int MAX = 20;

  private final Clock clock;
  private final Deque<NodeProblem> problems = new ArrayDeque<>();
  private final Set<String> seen = new HashSet<>();

  RecentProblems(Clock clock) {
    this.clock = clock;
  }

  /** Records a problem unless the same one was recorded recently. */
  synchronized void add(String node, String blob, String reason, String message) {
    if (seen.size() > 10 * MAX) {
      // Only recent repeats matter; forgetting old keys keeps memory flat on long runs.
      seen.clear();
    }
    if (!seen.add(node + "|" + blob + "|" + reason + "|" + message)) {
      return;
    }
    problems.addFirst(new NodeProblem(node, blob, reason, message, clock.instant()));
    while (problems.size() > MAX) {
      problems.removeLast();
    }
  }

  synchronized List<NodeProblem> list() {
    return List.copyOf(problems);
  }
}
