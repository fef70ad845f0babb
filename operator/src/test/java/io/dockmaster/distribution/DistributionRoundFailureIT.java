package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorSpec;
import io.dockmaster.api.v1alpha1.UpstreamRegistry;
import io.dockmaster.control.AgentLease;
import io.dockmaster.events.EventRecorder;
import io.dockmaster.mirror.ImageMirrorReconciler;
import io.dockmaster.mirror.ImageMirrorStatusBuilder;
import io.dockmaster.mirror.ImageResolver;
import io.dockmaster.mirror.MirrorSpecValidator;
import io.dockmaster.mirror.RetryBackoff;
import io.dockmaster.mirror.UpstreamClients;
import io.dockmaster.registry.RegistrySettings;
import io.dockmaster.secret.ClusterSecretKeyReader;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.testing.Crds;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distribution rounds that throw, as a user sees them: the ImageMirror reconciler on a real API
 * server resolving from a real registry, its coordinator driving agents faked at the control
 * channel with a planner that can be broken, as a planner bug once broke every round of a mirror.
 */
@EnableKubeAPIServer
class DistributionRoundFailureIT {

  private static final String MIRROR = "round-failure";

  static KubernetesClient client;
  static RegistryServer registry;

  @TempDir static Path tmp;

  private final FakeAgents agents = new FakeAgents();
  private final List<AgentLease> leases = List.of(FakeAgents.lease("node-a", "linux/amd64"));
  private final AtomicBoolean plannerBroken = new AtomicBoolean(true);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final DistributionCoordinator coordinator =
      new DistributionCoordinator(
          selector -> leases,
          agents,
          request -> {
            if (plannerBroken.get()) {
              throw new IllegalStateException("no source left for node-a");
            }
            return new MultiTreePlanner().plan(request);
          },
          new DistributionMetrics(meters),
          Clock.systemUTC(),
          Duration.ofMillis(200),
          Duration.ofMinutes(10));
  private Operator operator;

  @BeforeAll
  static void startRegistry() {
    registry = RegistryServer.distribution().start();
    TestImages.anonymous()
        .push(registry.host() + "/team/app:1", TestImages.layer(tmp, Map.of("app.txt", "app\n")));
    Crds.install(client);
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.stop();
    }
    coordinator.close();
  }

  @Test
  void failingRoundsDegradeTheMirrorWithOneWarningUntilARoundSucceeds() {
    startOperator();
    client.resource(mirror()).create();

    await()
        .untilAsserted(
            () -> {
              Condition degraded = condition("Degraded");
              assertThat(degraded.getStatus()).isEqualTo("True");
              assertThat(degraded.getReason()).isEqualTo("DistributionRoundFailed");
              assertThat(degraded.getMessage())
                  .contains("IllegalStateException: no source left for node-a")
                  .contains("dockmaster_distribution_rounds_failed_total");
            });
    assertThat(agents.orders).as("a round that throws orders nothing").isEmpty();
    double failedSoFar = failedRounds();
    // Rounds keep failing and the reconciler keeps writing status (every 2 s while incomplete),
    // but the condition does not change, so neither does the Event count.
    await().untilAsserted(() -> assertThat(failedRounds()).isGreaterThan(failedSoFar + 5));
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(warnings("DistributionRoundFailed")).hasSize(1));
    assertThat(warnings("DistributionRoundFailed").get(0).getMessage())
        .isEqualTo(condition("Degraded").getMessage());

    plannerBroken.set(false);
    await()
        .untilAsserted(
            () -> {
              Condition degraded = condition("Degraded");
              assertThat(degraded.getStatus()).isEqualTo("False");
              assertThat(agents.orders).isNotEmpty();
            });

    plannerBroken.set(true);
    // A new streak is a new change of the condition: a second Warning.
    await().untilAsserted(() -> assertThat(warnings("DistributionRoundFailed")).hasSize(2));
  }

  private void startOperator() {
    EventRecorder events = new EventRecorder(client, "dockmaster-operator", Clock.systemUTC());
    operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
    operator.register(
        new ImageMirrorReconciler(
            new MirrorSpecValidator(),
            new UpstreamClients(new ClusterSecretKeyReader(client), RegistrySettings.defaults()),
            new ImageResolver(),
            new ImageMirrorStatusBuilder(Clock.systemUTC()),
            new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(5)),
            coordinator,
            events,
            Clock.systemUTC()));
    operator.start();
  }

  private double failedRounds() {
    var counter = meters.find("dockmaster.distribution.rounds.failed").counter();
    return counter == null ? 0 : counter.count();
  }

  private static List<Event> warnings(String reason) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> MIRROR.equals(e.getInvolvedObject().getName()))
        .filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason()))
        .toList();
  }

  private static Condition condition(String type) {
    ImageMirror mirror = client.resources(ImageMirror.class).withName(MIRROR).get();
    assertThat(mirror.getStatus()).as("status of %s", MIRROR).isNotNull();
    return ConditionSet.find(mirror.getStatus().getConditions(), type).orElseThrow();
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(30));
  }

  private static ImageMirror mirror() {
    ImageMirror mirror = new ImageMirror();
    mirror.setMetadata(new ObjectMetaBuilder().withName(MIRROR).build());
    ImageMirrorSpec spec = new ImageMirrorSpec();
    UpstreamRegistry upstream = new UpstreamRegistry();
    upstream.setRegistry(registry.host());
    spec.setUpstream(upstream);
    spec.setImages(List.of("team/app:1"));
    mirror.setSpec(spec);
    return mirror;
  }
}
