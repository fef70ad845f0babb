package io.dockmaster.operator;

import io.dockmaster.distribution.AgentDirectory;
import io.dockmaster.distribution.ChainOrTrees;
import io.dockmaster.distribution.DistributionCoordinator;
import io.dockmaster.distribution.DistributionMetrics;
import io.dockmaster.distribution.HttpAgentControl;
import io.dockmaster.peering.AgentCertificateAuthority;
import io.dockmaster.peering.AgentCsrSigner;
import io.dockmaster.peering.CertificateRequestException;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.peering.RenewalSchedule;
import io.dockmaster.peering.RenewingIdentity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The operator's half of P2P distribution: the agent CA and the signer that issues agents their
 * certificates, the operator's own client identity, and the coordinator that drives transfers
 * through the agents' control channel.
 */
final class DistributionComponents implements AutoCloseable {

  private final AgentCsrSigner signer;
  private final ScheduledExecutorService renewals;
  private final RenewingIdentity identity;
  private final AgentDirectory directory;
  private final DistributionCoordinator coordinator;
  private final HttpAgentControl control;
  private final Vertx vertx;

  private DistributionComponents(
      AgentCsrSigner signer,
      ScheduledExecutorService renewals,
      RenewingIdentity identity,
      AgentDirectory directory,
      DistributionCoordinator coordinator,
      HttpAgentControl control,
      Vertx vertx) {
    this.signer = signer;
    this.renewals = renewals;
    this.identity = identity;
    this.directory = directory;
    this.coordinator = coordinator;
    this.control = control;
    this.vertx = vertx;
  }

  static DistributionComponents create(
      KubernetesClient client, OperatorSettings settings, MeterRegistry metrics, Clock clock) {
    if (client.namespaces().withName(settings.namespace()).get() == null) {
      throw new IllegalStateException(
          "namespace "
              + settings.namespace()
              + " does not exist; the operator keeps the node agents' CA there. Create it (kubectl"
              + " create namespace "
              + settings.namespace()
              + ") or pass --namespace");
    }
    AgentCertificateAuthority ca =
        AgentCertificateAuthority.loadOrCreate(client, settings.namespace());
    ScheduledExecutorService renewals =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "operator-identity-renewal");
              thread.setDaemon(true);
              return thread;
            });
    RenewingIdentity identity;
    try {
      identity =
          RenewingIdentity.start(
              ca::issueOperatorIdentity, renewals, RenewalSchedule.standard(), clock);
    } catch (CertificateRequestException e) {
      renewals.shutdownNow();
      throw new IllegalStateException("cannot issue the operator's agent-control identity", e);
    }
    PeerTls tls = new PeerTls(identity, ca.certificate());
    Vertx vertx = Vertx.vertx();
    HttpAgentControl control = new HttpAgentControl(vertx, tls);
    AgentDirectory directory = new AgentDirectory(client, settings.namespace(), clock);
    DistributionCoordinator coordinator =
        new DistributionCoordinator(
            directory,
            control,
            new ChainOrTrees(),
            new DistributionMetrics(metrics),
            clock,
            Duration.ofSeconds(1),
            Duration.ofSeconds(15));
    AgentCsrSigner signer =
        new AgentCsrSigner(client, settings.namespace(), ca, settings.agentCertificates(), clock);
    return new DistributionComponents(
        signer, renewals, identity, directory, coordinator, control, vertx);
  }

  DistributionCoordinator coordinator() {
    return coordinator;
  }

  /** Signs agent certificates; only the leader should, so election callbacks call this. */
  void startSigning() {
    signer.start();
  }

  void stopSigning() {
    signer.stop();
  }

  @Override
  public void close() {
    signer.close();
    coordinator.close();
    control.close();
    vertx.close();
    directory.close();
    identity.close();
    renewals.shutdownNow();
  }
}
