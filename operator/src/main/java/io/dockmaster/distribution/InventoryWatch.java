package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's view of what each agent holds, kept current by a request held open on every agent until
 * its state changes (the agent's inventory version moves), instead of asking every agent every
 * round. A round then calls only the agents whose state it does not know, and a change on any agent
 * starts the next round at once. Agents that cannot hold a request (version 0) are simply asked
 * every round.
 */
final class InventoryWatch implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(InventoryWatch.class);

  /** Spacing between two answers from one agent, so a burst of changes costs one request. */
  private static final long REPOLL_DELAY_MILLIS = 100;

  /**
   * How long past its hold a held request may stay unanswered before the watch gives it up and the
   * next round asks the agent directly. The HTTP control client ends its calls sooner; this bound
   * holds for any {@link AgentControl}, because a request that never ends would leave the watch
   * trusting a report the agent has long moved past.
   */
  static final Duration UNANSWERED_AFTER_HOLD = Duration.ofSeconds(10);

  private final AgentControl control;
  private final DistributionMetrics metrics;
  private final Runnable onChange;
  private final Supplier<Duration> wait;
  private final Executor repoll =
      CompletableFuture.delayedExecutor(REPOLL_DELAY_MILLIS, TimeUnit.MILLISECONDS);
  private final Map<String, Watched> watched = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** One agent process: its latest report, and whether anything may have changed since. */
  private static final class Watched {
    final AgentLease agent;
    final List<String> digests;
    AgentReport report;
    long staleBelow;
    boolean fresh;
    boolean polling;

    Watched(AgentLease agent, List<String> digests) {
      this.agent = agent;
      this.digests = digests;
    }

    boolean sameAgent(AgentLease other, List<String> otherDigests) {
      return agent.endpoint().equals(other.endpoint())
          && Objects.equals(agent.started(), other.started())
          && digests.equals(otherDigests);
    }
  }

  /**
   * @param onChange called (from any thread) when an agent's state changed
   * @param wait how long an agent may hold each request when nothing changes
   */
  InventoryWatch(
      AgentControl control,
      DistributionMetrics metrics,
      Runnable onChange,
      Supplier<Duration> wait) {
    this.control = control;
    this.metrics = metrics;
    this.onChange = onChange;
    this.wait = wait;
  }

  /** The agent's report, if the watch holds one and the agent has not changed since. */
  Optional<AgentReport> current(AgentLease agent, List<String> digests) {
    Watched w = watched.get(agent.node());
    if (w == null) {
      return Optional.empty();
    }
    synchronized (w) {
      return w.fresh && w.sameAgent(agent, digests) ? Optional.of(w.report) : Optional.empty();
    }
  }

  /** A report just read from the agent; starts watching it, or a restarted process, for changes. */
  void observed(AgentLease agent, List<String> digests, AgentReport report) {
    Watched w =
        watched.compute(
            agent.node(),
            (node, current) ->
                current != null && current.sameAgent(agent, digests)
                    ? current
                    : new Watched(agent, List.copyOf(digests)));
    boolean startPolling;
    synchronized (w) {
      // Read just now, so current: even a lower version (a restarted process) replaces the old.
      if (w.report != null && report.version() < w.report.version()) {
        w.staleBelow = 0;
      }
      w.report = report;
      w.fresh = report.version() > 0 && report.version() >= w.staleBelow;
      startPolling = w.fresh && !w.polling;
      w.polling |= startPolling;
    }
    if (startPolling) {
      poll(w);
    }
  }

  /**
   * The agent answered orders with this report: any report older than it misses those transfers.
   */
  void ordered(String node, AgentReport answer) {
    Watched w = watched.get(node);
    if (w == null) {
      return;
    }
    synchronized (w) {
      w.staleBelow = Math.max(w.staleBelow, answer.version());
      if (w.report.version() < w.staleBelow || answer.version() == 0) {
        w.fresh = false;
      }
    }
  }

  /** Stops watching agents no longer in the run. */
  void retain(Set<String> nodes) {
    watched.keySet().retainAll(nodes);
  }

  private void poll(Watched w) {
    long after;
    synchronized (w) {
      after = w.report.version();
    }
    Duration hold = wait.get();
    control
        .awaitInventory(w.agent, w.digests, after, hold)
        .orTimeout(hold.plus(UNANSWERED_AFTER_HOLD).toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((report, error) -> answered(w, after, report, error));
  }

  private void answered(Watched w, long after, AgentReport report, Throwable error) {
    boolean current = !closed && watched.get(w.agent.node()) == w;
    if (current && error instanceof TimeoutException) {
      log.warn(
          "held inventory request to {} neither answered nor failed {}s past its hold;"
              + " asking it directly",
          w.agent.node(),
          UNANSWERED_AFTER_HOLD.toSeconds());
    }
    boolean changed;
    synchronized (w) {
      if (!current || error != null || report.version() == 0) {
        // Unknown until a round asks the agent directly, which reports why it does not answer.
        w.fresh = false;
        w.polling = false;
        if (current && error != null) {
          onChange.run();
        }
        return;
      }
      if (report.version() < after) {
        // A new agent process counts from 1 again: what the watch knew is gone. Ask it directly.
        w.fresh = false;
        w.polling = false;
        onChange.run();
        return;
      }
      changed = report.version() != after;
      metrics.inventory(changed ? "changed" : "unchanged");
      if (report.version() >= w.report.version()) {
        w.report = report;
        w.fresh = report.version() >= w.staleBelow;
      }
    }
    if (changed) {
      onChange.run();
    }
    repoll.execute(() -> poll(w));
  }

  @Override
  public void close() {
    closed = true;
    watched.clear();
  }
}
