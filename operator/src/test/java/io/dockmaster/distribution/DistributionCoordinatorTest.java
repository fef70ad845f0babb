package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several mirrors' distributions driven by one coordinator, against agents kept in memory. */
class DistributionCoordinatorTest {

  private static final String AMD64 = "linux/amd64";
  private static final String HOSTNAME = "kubernetes.io/hostname";

  /** Longer than any wait below: a complete run never has a scheduled round during a test. */
  private static final Duration IDLE_INTERVAL = Duration.ofMinutes(10);

  private final FakeAgents agents = new FakeAgents();
  private final List<AgentLease> leases =
      List.of(FakeAgents.lease("slow", AMD64), FakeAgents.lease("fast", AMD64));

  /** A selector picks nodes by the hostname label only, as the targets below use. */
  private final LiveAgents directory =
      selector ->
          leases.stream()
              .filter(
                  agent ->
                      selector
                          .map(s -> s.getMatchLabels().get(HOSTNAME).equals(agent.node()))
                          .orElse(true))
              .toList();

  /** While set, every plan throws, as a planner bug would. */
  private final AtomicBoolean plannerBroken = new AtomicBoolean();

  private final DistributionPlanner planner =
      request -> {
        if (plannerBroken.get()) {
          throw new IllegalStateException("no source left");
        }
        return new MultiTreePlanner().plan(request);
      };

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private final DistributionCoordinator coordinator =
      new DistributionCoordinator(
          directory,
          agents,
          planner,
          new DistributionMetrics(meters),
          Clock.systemUTC(),
          Duration.ofMillis(100),
          IDLE_INTERVAL);

  @AfterEach
  void stop() {
    leases.forEach(agent -> agents.unstall(agent.node()));
    agents.releasePins();
    coordinator.close();
  }

  private static DistributionTarget target(String owner, String node, String layer) {
    Digest digest = Digest.sha256(layer.getBytes(StandardCharsets.UTF_8));
    WantedBlob blob =
        new WantedBlob(
            new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, 1000),
            "team/" + owner);
    LabelSelector onNode = new LabelSelectorBuilder().addToMatchLabels(HOSTNAME, node).build();
    return new DistributionTarget(
        owner,
        owner,
        1,
        UpstreamAccess.anonymous("registry.example.com", false),
        Map.of(AMD64, List.of(blob)),
        Optional.of(onNode),
        2,
        0,
        0,
        false,
        Map.of(),
        Map.of("registry.example.com/team/" + owner + ":1", Map.of(AMD64, Set.of(digest))));
  }

  @Test
  void aMirrorWaitingOnAHungAgentDoesNotHoldBackAnotherMirror() {
    agents.stall("slow");
    coordinator.distribute(target("uid-a", "slow", "layer-a"));
    await()
        .alias("the first mirror's round waits on the hung agent")
        .until(() -> agents.stalledCalls("slow") > 0);

    coordinator.distribute(target("uid-b", "fast", "layer-b"));

    await()
        .alias("the second mirror's node is told to fetch its layer")
        .until(() -> !agents.ordersFor("fast").isEmpty());
    await()
        .alias("the second mirror's round ends while the first still waits")
        .until(() -> coordinator.progress("uid-b").isPresent());
    assertThat(coordinator.progress("uid-a")).as("no round of the first mirror ended").isEmpty();

    agents.unstall("slow");
    await()
        .alias("the first mirror goes on once its agent answers")
        .until(() -> !agents.ordersFor("slow").isEmpty());
  }

  @Test
  void aMirrorHasOneRoundAtATimeHoweverLongItTakes() {
    agents.stall("slow");
    coordinator.distribute(target("uid-a", "slow", "layer-a"));
    await()
        .alias("the round and the runtime-mirror sync both wait on the hung agent")
        .until(() -> agents.stalledCalls("slow") == 2);

    // Ten active intervals and a runtime sync interval pass with both still waiting: no second
    // round and no second sync pile up behind them.
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> agents.stalledCalls("slow") == 2);
    assertThat(coordinator.progress("uid-a")).isEmpty();
  }

  @Test
  void aTargetWithNewWorkIsPlannedAtOnceNotAtTheOldRunsNextRound() {
    coordinator.distribute(target("uid-a", "fast", "layer-a"));
    await().until(() -> !agents.ordersFor("fast").isEmpty());
    agents.finishAllOrders();
    await()
        .alias("the first run completes and waits its idle interval")
        .until(() -> coordinator.progress("uid-a").map(p -> p.isComplete()).orElse(false));

    coordinator.distribute(target("uid-a", "fast", "layer-a2"));

    Digest moved = Digest.sha256("layer-a2".getBytes(StandardCharsets.UTF_8));
    await()
        .alias("the new layer is ordered long before the old run's idle interval is over")
        .until(
            () ->
                agents.ordersFor("fast").stream()
                    .anyMatch(r -> r.order().digest().equals(moved.toString())));
  }

  @Test
  void aMirrorDeletedWhileItsRoundIsPinningLeavesNoPinsBehind() {
    agents.holdPins();
    coordinator.distribute(target("uid-a", "fast", "layer-a"));
    await()
        .alias("the round is pinning the mirror's blobs")
        .until(() -> agents.heldPins.get() == 1);

    // The deletion releases the mirror's pins while that pin is still on its way.
    coordinator.forget("uid-a");
    agents.releasePins();

    await()
        .alias("the pin that landed after the deletion released the pins is released too")
        .until(() -> agents.pinsTaken.get() == 1 && !agents.pins.containsKey("fast/uid-a"));
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .alias("and no round of the deleted mirror pins again")
        .until(() -> agents.pins.isEmpty());
    assertThat(coordinator.progress("uid-a")).isEmpty();
  }

  private double failedRounds(String mirror) {
    io.micrometer.core.instrument.Counter counter =
        meters.find("dockmaster.distribution.rounds.failed").tag("mirror", mirror).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void roundsThatThrowAreCountedAndReportedUntilOneSucceeds() {
    plannerBroken.set(true);
    coordinator.distribute(target("uid-a", "fast", "layer-a"));

    await()
        .alias("several rounds fail, one streak")
        .until(() -> coordinator.roundFailure("uid-a").map(f -> f.inARow() >= 3).orElse(false));
    RoundFailure failure = coordinator.roundFailure("uid-a").orElseThrow();
    assertThat(failure.cause()).isEqualTo("IllegalStateException: no source left");
    assertThat(failedRounds("uid-a")).isGreaterThanOrEqualTo(3);
    assertThat(coordinator.roundFailure("uid-a").orElseThrow().since())
        .as("a streak keeps the time it began")
        .isEqualTo(failure.since());
    assertThat(agents.ordersFor("fast")).as("a failed round orders nothing").isEmpty();

    plannerBroken.set(false);

    await()
        .alias("the next round that succeeds orders the layer")
        .until(() -> !agents.ordersFor("fast").isEmpty());
    await().until(() -> coordinator.roundFailure("uid-a").isEmpty());
  }

  @Test
  void aDeletedMirrorTakesItsMetricSeriesWithIt() {
    plannerBroken.set(true);
    coordinator.distribute(target("uid-a", "fast", "layer-a"));
    await().until(() -> failedRounds("uid-a") > 0);

    coordinator.forget("uid-a");

    await()
        .alias("the failed-rounds series of the deleted mirror is gone")
        .until(() -> meters.find("dockmaster.distribution.rounds.failed").meters().isEmpty());
    assertThat(coordinator.roundFailure("uid-a")).isEmpty();
  }
}
