package io.dockmaster.operator;

import io.dockmaster.admission.AdmissionWebhook;
import io.dockmaster.admission.PodSpecLocator;
import io.dockmaster.audit.AuditLimits;
import io.dockmaster.audit.ClusterWorkloads;
import io.dockmaster.audit.PolicyAudit;
import io.dockmaster.events.EventRecorder;
import io.dockmaster.mirror.ImageMirrorReconciler;
import io.dockmaster.mirror.ImageMirrorStatusBuilder;
import io.dockmaster.mirror.ImageResolver;
import io.dockmaster.mirror.MirrorSpecValidator;
import io.dockmaster.mirror.RetryBackoff;
import io.dockmaster.mirror.UpstreamClients;
import io.dockmaster.policy.AuditSchedule;
import io.dockmaster.policy.ClusterPullCredentials;
import io.dockmaster.policy.ImageInspector;
import io.dockmaster.policy.ImagePolicyReconciler;
import io.dockmaster.policy.ImagePolicyStatusBuilder;
import io.dockmaster.policy.PolicyEvaluator;
import io.dockmaster.policy.PolicyIndex;
import io.dockmaster.policy.PolicyScope;
import io.dockmaster.policy.PolicyValidator;
import io.dockmaster.policy.PullCredentials;
import io.dockmaster.policy.RegistryImageInspector;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.secret.ClusterSecretKeyReader;
import io.dockmaster.signature.SignatureVerifier;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the reconcilers, the policy index and the admission webhook into a running operator. The
 * reconcilers run on the leader only; the index and the webhook on every replica.
 */
public final class DockmasterOperator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DockmasterOperator.class);
  private static final String COMPONENT = "dockmaster-operator";

  /** Within the chart's 30 s grace period, beside the webhook's drain, which runs meanwhile. */
  private static final Duration RECONCILIATION_DRAIN = Duration.ofSeconds(10);

  private final Operator operator;
  private final HealthServer health;
  private final ProcessMeters process;
  private final PolicyIndex policies;
  private final DistributionComponents distribution;
  private final Optional<AdmissionWebhook> webhook;

  private final KubernetesClient client;
  private final Optional<OperatorSettings.LeaderElection> leaderElection;

  /** Set once close() starts, so the leader callbacks can tell our own stop from a lost Lease. */
  private final AtomicBoolean closed;

  private DockmasterOperator(
      KubernetesClient client,
      Optional<OperatorSettings.LeaderElection> leaderElection,
      Operator operator,
      HealthServer health,
      ProcessMeters process,
      PolicyIndex policies,
      Optional<AdmissionWebhook> webhook,
      DistributionComponents distribution,
      AtomicBoolean closed) {
    this.client = client;
    this.leaderElection = leaderElection;
    this.closed = closed;
    this.distribution = distribution;
    this.operator = operator;
    this.health = health;
    this.process = process;
    this.policies = policies;
    this.webhook = webhook;
  }

  public static DockmasterOperator start(KubernetesClient client, OperatorSettings settings) {
    Clock clock = Clock.systemUTC();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ProcessMeters process = ProcessMeters.bindTo(metrics);
    AtomicBoolean closing = new AtomicBoolean();
    DistributionComponents distribution =
        DistributionComponents.create(client, settings, metrics, clock);
    Operator operator =
        new Operator(o -> configure(o, client, metrics, settings, closing, distribution));

    EventRecorder events = new EventRecorder(client, COMPONENT, clock);
    ClusterSecretKeyReader secrets = new ClusterSecretKeyReader(client);
    PolicyValidator policyValidator = new PolicyValidator(secrets);
    PolicyIndex policies = new PolicyIndex(policyValidator);
    // One inspector for admission and the audit: the same caches, so both give the same answer.
    ImageInspector inspector = inspector(settings, metrics);
    PullCredentials pullCredentials = new ClusterPullCredentials(client);
    PolicyScope scope = new PolicyScope(Set.of(settings.namespace(), "kube-system"));
    operator.register(
        new ImagePolicyReconciler(
            policyValidator,
            policies,
            new PolicyAudit(
                new ClusterWorkloads(client),
                new PodSpecLocator(client.getKubernetesSerialization()),
                inspector,
                pullCredentials,
                scope,
                AuditLimits.defaults(),
                clock),
            new AuditSchedule(clock, AuditSchedule.DEFAULT_INTERVAL),
            new ImagePolicyStatusBuilder(clock),
            events));
    operator.register(
        new ImageMirrorReconciler(
            new MirrorSpecValidator(),
            new UpstreamClients(secrets, settings.registrySettings()),
            new ImageResolver(),
            new ImageMirrorStatusBuilder(clock),
            new RetryBackoff(settings.retryInitialDelay(), settings.retryMaxDelay()),
            distribution.coordinator(),
            events,
            clock));

    Optional<AdmissionWebhook> webhook = Optional.empty();
    HealthServer health = null;
    try {
      policies.start(client);
      webhook =
          settings
              .admission()
              .map(
                  admission ->
                      AdmissionWebhook.start(
                          client,
                          new PolicyEvaluator(
                              policies::all, inspector, pullCredentials, scope.exemptNamespaces()),
                          metrics,
                          admission));
      Optional<AdmissionWebhook> serving = webhook;
      health =
          HealthServer.start(
              settings.bindAddress(),
              settings.healthPort(),
              metrics,
              () -> true,
              () ->
                  policies.isSynced()
                      && serving.map(AdmissionWebhook::ready).orElse(true)
                      && operator.getRuntimeInfo().isStarted()
                      && operator.getRuntimeInfo().allEventSourcesAreHealthy());
      operator.start();
      if (settings.leaderElection().isEmpty()) {
        distribution.startSigning();
      }
    } catch (RuntimeException e) {
      // Vert.x threads are not daemons: a failed start must not leave a process that never exits.
      webhook.ifPresent(AdmissionWebhook::close);
      policies.close();
      operator.stop();
      distribution.close();
      if (health != null) {
        health.close();
      }
      process.close();
      throw e;
    }
    log.info(
        "operator started (namespace {}, leader election {}, admission {}, health and metrics on"
            + " port {})",
        settings.namespace(),
        settings
            .leaderElection()
            .map(e -> "as " + e.identity() + " in " + e.namespace())
            .orElse("off"),
        webhook.map(w -> "on port " + w.port()).orElse("off"),
        health.port());
    return new DockmasterOperator(
        client,
        settings.leaderElection(),
        operator,
        health,
        process,
        policies,
        webhook,
        distribution,
        closing);
  }

  private static void configure(
      io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider o,
      KubernetesClient client,
      PrometheusMeterRegistry metrics,
      OperatorSettings settings,
      AtomicBoolean closing,
      DistributionComponents distribution) {
    o.withKubernetesClient(client)
        .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(metrics))
        .withStopOnInformerErrorDuringStartup(true)
        .withCacheSyncTimeout(Duration.ofMinutes(2))
        // JOSDK's default of zero interrupts reconciliations in flight at stop, which then record
        // a failure they did not have (UpstreamFailed, an incomplete audit) as the Lease is given
        // up. Let them finish first; the elector keeps renewing meanwhile.
        .withReconciliationTerminationTimeout(RECONCILIATION_DRAIN)
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
                        new LeaderCallbacks(
                            () -> {
                              log.info("leading as {}", election.identity());
                              distribution.startSigning();
                            },
                            () -> {
                              distribution.stopSigning();
                              onLeadershipLost(election, closing);
                            },
                            leader -> log.info("leader is {}", leader)),
                        // JOSDK would exit even when our own shutdown ends the leadership, from
                        // inside the shutdown hook, which deadlocks the JVM; we decide here.
                        false)));
  }

  private static void onLeadershipLost(
      OperatorSettings.LeaderElection election, AtomicBoolean closing) {
    if (closing.get() || !election.exitOnLoss()) {
      return;
    }
    log.error(
        "lost the leader Lease {}/{}; exiting so this replica restarts as a follower",
        election.namespace(),
        election.leaseName());
    // Not from this thread: exit runs shutdown hooks, which wait for the elector we are on.
    new Thread(() -> System.exit(1), "exit-on-lost-leadership").start();
  }

  private static ImageInspector inspector(OperatorSettings settings, MeterRegistry metrics) {
    return new RegistryImageInspector(
        RegistryClient.builder().settings(settings.registrySettings()).build(),
        SignatureVerifier.cosign(),
        RegistryImageInspector.CacheSettings.defaults(),
        metrics);
  }

  public PolicyIndex policies() {
    return policies;
  }

  public int healthPort() {
    return health.port();
  }

  public Optional<Integer> webhookPort() {
    return webhook.map(AdmissionWebhook::port);
  }

  /**
   * Stops without refusing an admission request or holding the Lease longer than needed: the
   * webhook turns unready and drains (see {@link io.dockmaster.admission.WebhookServer#close})
   * while reconciling stops and the Lease is released, so a follower takes over at once; the policy
   * index stays until the last review is answered. Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Thread draining =
          new Thread(() -> webhook.ifPresent(AdmissionWebhook::close), "webhook-drain");
      draining.start();
      operator.stop();
      leaderElection.ifPresent(election -> LeaseRelease.releaseIfHeld(client, election));
      distribution.close();
      try {
        draining.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      policies.close();
      health.close();
      process.close();
    }
  }
}
