package io.dockmaster.operator;

import io.dockmaster.events.EventRecorder;
import io.dockmaster.mirror.ImageMirrorReconciler;
import io.dockmaster.mirror.ImageMirrorStatusBuilder;
import io.dockmaster.mirror.ImageResolver;
import io.dockmaster.mirror.MirrorSpecValidator;
import io.dockmaster.mirror.RetryBackoff;
import io.dockmaster.mirror.UpstreamClients;
import io.dockmaster.policy.ImagePolicyReconciler;
import io.dockmaster.policy.ImagePolicyStatusBuilder;
import io.dockmaster.policy.PolicyIndex;
import io.dockmaster.policy.PolicyValidator;
import io.dockmaster.secret.ClusterSecretKeyReader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the reconcilers and their collaborators into a running operator. */
public final class DockmasterOperator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DockmasterOperator.class);
  private static final String COMPONENT = "dockmaster-operator";

  private final Operator operator;
  private final HealthServer health;
  private final PolicyIndex policies;
  private final AtomicBoolean closed = new AtomicBoolean();

  private DockmasterOperator(Operator operator, HealthServer health, PolicyIndex policies) {
    this.operator = operator;
    this.health = health;
    this.policies = policies;
  }

  public static DockmasterOperator start(KubernetesClient client, OperatorSettings settings) {
    Clock clock = Clock.systemUTC();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);

    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(metrics))
                  .withStopOnInformerErrorDuringStartup(true)
                  .withCacheSyncTimeout(Duration.ofMinutes(2))
                  .withCloseClientOnStop(false);
              settings
                  .leaderElection()
                  .ifPresent(
                      election ->
                          o.withLeaderElectionConfiguration(
                              new LeaderElectionConfiguration(
                                  election.leaseName(),
                                  election.namespace(),
                                  election.leaseDuration(),
                                  election.renewDeadline(),
                                  election.retryPeriod(),
                                  election.identity(),
                                  null,
                                  election.exitOnLoss())));
            });

    EventRecorder events = new EventRecorder(client, COMPONENT, clock);
    ClusterSecretKeyReader secrets = new ClusterSecretKeyReader(client);
    PolicyValidator policyValidator = new PolicyValidator(secrets);
    PolicyIndex policies = new PolicyIndex(policyValidator);
    operator.register(
        new ImagePolicyReconciler(
            policyValidator, policies, new ImagePolicyStatusBuilder(clock), events));
    operator.register(
        new ImageMirrorReconciler(
            new MirrorSpecValidator(),
            new UpstreamClients(secrets, settings.registrySettings()),
            new ImageResolver(),
            new ImageMirrorStatusBuilder(clock),
            new RetryBackoff(settings.retryInitialDelay(), settings.retryMaxDelay()),
            events,
            clock));

    HealthServer health =
        HealthServer.start(
            settings.bindAddress(),
            settings.healthPort(),
            metrics,
            () -> true,
            () ->
                policies.isSynced()
                    && operator.getRuntimeInfo().isStarted()
                    && operator.getRuntimeInfo().allEventSourcesAreHealthy());
    try {
      policies.start(client);
      operator.start();
    } catch (RuntimeException e) {
      // Vert.x threads are not daemons: a failed start must not leave a process that never exits.
      policies.close();
      operator.stop();
      health.close();
      throw e;
    }
    log.info(
        "operator started (namespace {}, leader election {}, health and metrics on port {})",
        settings.namespace(),
        settings
            .leaderElection()
            .map(e -> "as " + e.identity() + " in " + e.namespace())
            .orElse("off"),
        health.port());
    return new DockmasterOperator(operator, health, policies);
  }

  public PolicyIndex policies() {
    return policies;
  }

  public int healthPort() {
    return health.port();
  }

  /** Stops reconciling and serving; safe to call more than once. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      operator.stop();
      policies.close();
      health.close();
    }
  }
}
