package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.status.ErrorMessages;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link DistributionRun} per ImageMirror going: a round as soon as an agent's state
 * changes (at most one per {@link #CHANGE_SPACING}, or per ten times the last round's duration),
 * else every {@code activeInterval} while nodes still lack blobs and every {@code idleInterval}
 * once all are complete, so a new node or an evicted blob is noticed. The reconciler hands it
 * targets and reads progress; nothing here touches the ImageMirror itself. Different mirrors'
 * rounds run side by side ({@link #CONCURRENT_ROUNDS}), one mirror's one at a time. State is in
 * memory only: a new leader starts fresh runs that ask the agents what they hold, so nothing
 * already transferred moves again.
 */
public final class DistributionCoordinator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DistributionCoordinator.class);

  /** Changes closer together than this share a round: planning many nodes costs milliseconds. */
  static final Duration CHANGE_SPACING = Duration.ofMillis(200);

  private static final Duration RUNTIME_SYNC_INTERVAL = Duration.ofSeconds(1);

  /**
   * Rounds of different mirrors run side by side: one waiting on a slow agent (up to the call
   * timeout) must not hold back the others. A mirror has at most one round at a time.
   */
  static final int CONCURRENT_ROUNDS = 4;

  private final LiveAgents directory;
  private final AgentCalls calls;
  private final DistributionPlanner planner;
  private final DistributionMetrics metrics;
  private final Clock clock;
  private final Duration activeInterval;
  private final Duration idleInterval;
  private final Map<String, DistributionRun> runs = new ConcurrentHashMap<>();
  private final Map<String, Instant> nextRound = new ConcurrentHashMap<>();
  private final Map<String, Instant> lastRound = new ConcurrentHashMap<>();
  private final Map<String, Duration> roundCost = new ConcurrentHashMap<>();
  private final Map<String, RoundFailure> failing = new ConcurrentHashMap<>();
  private final Set<String> changed = ConcurrentHashMap.newKeySet();
  private final Set<String> inRound = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean syncingRuntime = new AtomicBoolean();
  private Instant nextRuntimeSync = Instant.MIN;
  private final Map<String, RuntimeSent> runtimeSent = new ConcurrentHashMap<>();

  /** What an agent process (node + start time) was last told about the runtime mirrors. */
  private record RuntimeSent(java.time.Instant agentStarted, RuntimeMirrors mirrors) {}

  private final ScheduledExecutorService ticker;
  private final ExecutorService roundPool;
  private final ExecutorService callPool;
  private final ExecutorService recheckPool;

  public DistributionCoordinator(
      LiveAgents directory,
      AgentControl control,
      DistributionPlanner planner,
      DistributionMetrics metrics,
      Clock clock,
      Duration activeInterval,
      Duration idleInterval) {
    this.directory = directory;
    this.planner = planner;
    this.metrics = metrics;
    this.clock = clock;
    this.activeInterval = activeInterval;
    this.idleInterval = idleInterval;
    AtomicInteger threads = new AtomicInteger();
    this.callPool =
        Executors.newFixedThreadPool(16, r -> daemon(r, "agent-call-" + threads.incrementAndGet()));
    // Re-checks of blobs peers found corrupt hash whole blobs on the agent: a few at a time, apart.
    this.recheckPool =
        Executors.newFixedThreadPool(
            2, r -> daemon(r, "agent-recheck-" + threads.incrementAndGet()));
    this.calls = new AgentCalls(control, callPool, recheckPool);
    this.roundPool =
        Executors.newFixedThreadPool(
            CONCURRENT_ROUNDS, r -> daemon(r, "distribution-round-" + threads.incrementAndGet()));
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "distribution"));
    long tick = Math.max(20, Math.min(activeInterval.toMillis(), CHANGE_SPACING.toMillis()) / 2);
    ticker.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  /**
   * Starts distributing the target, or lets the current run continue if it has the same work;
   * returns the latest progress, empty until the run's first round.
   */
  public Optional<DistributionProgress> distribute(DistributionTarget target) {
    AtomicBoolean started = new AtomicBoolean();
    DistributionRun run =
        runs.compute(
            target.owner(),
            (owner, current) -> {
              if (current != null && current.target().sameWorkAs(target)) {
                return current;
              }
              if (current != null) {
                current.close();
              }
              started.set(true);
              return new DistributionRun(
                  target, planner, calls, metrics, clock, () -> changed.add(owner));
            });
    if (started.get()) {
      // New work is planned at once, not when the replaced run's next round was due.
      nextRound.put(target.owner(), clock.instant());
      failing.remove(target.owner());
    }
    return run.progress();
  }

  public Optional<DistributionProgress> progress(String owner) {
    return Optional.ofNullable(runs.get(owner)).flatMap(DistributionRun::progress);
  }

  /** Present while the mirror's last round failed: its progress is then that of an older round. */
  public Optional<RoundFailure> roundFailure(String owner) {
    return Optional.ofNullable(failing.get(owner));
  }

  /** Stops distributing for a deleted mirror and releases its pins on every live agent. */
  public void forget(String owner) {
    DistributionRun run = runs.remove(owner);
    if (run != null) {
      run.close();
    }
    nextRound.remove(owner);
    lastRound.remove(owner);
    roundCost.remove(owner);
    changed.remove(owner);
    failing.remove(owner);
    if (run != null) {
      metrics.forget(run.target().name());
    }
    releasePins(owner);
  }

  private void releasePins(String owner) {
    List<AgentLease> agents = directory.live(Optional.empty());
    calls.forEach(
        agents,
        agent -> {
          calls.control().unpin(agent, owner);
          return null;
        },
        (agent, e) ->
            log.warn(
                "could not release pins of {} on {}; they stay until the agent restarts: {}",
                owner,
                agent.node(),
                e.toString()));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Decides which rounds are due; they run on the round pool, so this never waits on agents. */
  private void tick() {
    Instant now = clock.instant();
    if (!now.isBefore(nextRuntimeSync) && syncingRuntime.compareAndSet(false, true)) {
      nextRuntimeSync = now.plus(RUNTIME_SYNC_INTERVAL);
      submit(
          () -> {
            try {
              syncRuntimeMirrors();
            } catch (RuntimeException e) {
              log.warn("syncing the containerd mirror table failed: {}", e.toString(), e);
            } finally {
              syncingRuntime.set(false);
            }
          });
    }
    for (Map.Entry<String, DistributionRun> entry : runs.entrySet()) {
      String owner = entry.getKey();
      DistributionRun run = entry.getValue();
      if (isDue(owner, run, now) && inRound.add(owner)) {
        // Before the round: a change while it runs is a reason for the next one.
        changed.remove(owner);
        lastRound.put(owner, now);
        submit(() -> round(owner, run));
      }
    }
  }

  private boolean isDue(String owner, DistributionRun run, Instant now) {
    if (!nextRound.getOrDefault(owner, now).isAfter(now)) {
      return true;
    }
    // Failing transfers change agents at once; retrying them keeps the steady pace. And rounds
    // that follow changes take at most a tenth of a core, however many nodes a round plans.
    Duration spacing =
        run.retriedFailures()
            ? activeInterval
            : max(CHANGE_SPACING, roundCost.getOrDefault(owner, Duration.ZERO).multipliedBy(10));
    return changed.contains(owner)
        && !lastRound.getOrDefault(owner, Instant.MIN).plus(spacing).isAfter(now);
  }

  private void submit(Runnable work) {
    try {
      roundPool.execute(work);
    } catch (RejectedExecutionException closing) {
      log.debug("coordinator closed; {} not run", work);
    }
  }

  private void round(String owner, DistributionRun run) {
    if (runs.get(owner) != run) {
      // Replaced or forgotten while the round waited for a thread.
      inRound.remove(owner);
      return;
    }
    Duration wait = activeInterval;
    try {
      List<AgentLease> agents = directory.live(run.target().nodeSelector());
      long roundStart = System.nanoTime();
      DistributionProgress progress = run.round(agents);
      roundCost.put(owner, Duration.ofNanos(System.nanoTime() - roundStart));
      failing.remove(owner);
      wait = progress.isComplete() ? idleInterval : activeInterval;
    } catch (RuntimeException e) {
      if (roundPool.isShutdown()) {
        log.debug("distribution round for {} stopped: the coordinator closed", owner);
      } else {
        roundFailed(owner, run, e);
      }
    } finally {
      Instant next = clock.instant().plus(wait);
      // A run replaced or forgotten while its round ran leaves no schedule behind for its owner.
      nextRound.computeIfPresent(owner, (o, current) -> runs.get(o) == run ? next : current);
      inRound.remove(owner);
      if (!runs.containsKey(owner)) {
        // Forgotten while this round ran, which may have pinned blobs after forget released them
        // and set its gauges again.
        roundCost.remove(owner);
        metrics.forget(run.target().name());
        releasePins(owner);
      }
    }
  }

  private void roundFailed(String owner, DistributionRun run, RuntimeException e) {
    String name = run.target().name();
    metrics.roundFailed(name);
    String cause = e.getClass().getSimpleName() + ": " + ErrorMessages.of(e);
    RoundFailure before = failing.get(owner);
    RoundFailure failure =
        runs.get(owner) != run
            ? null
            : failing.merge(
                owner,
                new RoundFailure(clock.instant(), 1, cause),
                (old, next) -> old.again(cause));
    if (failure == null || failure.inARow() == 1) {
      log.warn("distribution round for {} failed: {}", name, e.toString(), e);
    } else if (failure.worthLogging(before == null ? null : before.cause())) {
      // The stack trace went with the streak's first failure.
      log.warn(
          "distribution round for {} failed, {} in a row (next logged at {} unless the error"
              + " changes): {}",
          name,
          failure.inARow(),
          failure.nextLogged(),
          e.toString());
    }
  }

  /**
   * Every agent's containerd mirror configuration covers the registries of all mirrors that set
   * mirrorRuntime, so it is computed across runs and sent only to agents that do not have it yet: a
   * restarted agent has lost it.
   */
  private void syncRuntimeMirrors() {
    Map<String, Map<String, String>> tags = new java.util.TreeMap<>();
    Map<String, Boolean> plainHttp = new java.util.HashMap<>();
    for (DistributionRun run : runs.values()) {
      DistributionTarget target = run.target();
      if (target.mirrorRuntime()) {
        String registry = target.upstream().registry();
        tags.computeIfAbsent(registry, r -> new java.util.TreeMap<>()).putAll(target.runtimeTags());
        plainHttp.merge(registry, target.upstream().insecure(), Boolean::logicalOr);
      }
    }
    RuntimeMirrors mirrors =
        new RuntimeMirrors(
            tags.entrySet().stream()
                .map(
                    e ->
                        new RuntimeMirrors.MirroredRegistry(
                            e.getKey(), plainHttp.get(e.getKey()), e.getValue()))
                .toList());
    List<AgentLease> stale =
        directory.live(Optional.empty()).stream()
            .filter(
                agent ->
                    !new RuntimeSent(agent.started(), mirrors)
                        .equals(runtimeSent.get(agent.node())))
            .toList();
    calls.forEach(
        stale,
        agent -> {
          calls.control().configureRuntime(agent, mirrors);
          runtimeSent.put(agent.node(), new RuntimeSent(agent.started(), mirrors));
          return null;
        },
        (agent, e) ->
            log.debug("runtime mirrors not sent to {} yet: {}", agent.node(), e.toString()));
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    roundPool.shutdownNow();
    runs.values().forEach(DistributionRun::close);
    callPool.shutdownNow();
    recheckPool.shutdownNow();
  }
}
