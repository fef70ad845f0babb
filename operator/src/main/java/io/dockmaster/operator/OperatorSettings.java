package io.dockmaster.operator;

import io.dockmaster.admission.AdmissionSettings;
import io.dockmaster.peering.AgentCsrPolicy;
import io.dockmaster.registry.RegistrySettings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the operator process runs, as parsed from flags and environment.
 *
 * @param namespace the namespace the operator is installed in; exempt from policies by default
 * @param leaderElection empty disables leader election, as for a single operator run from a laptop
 * @param admission empty serves no admission webhook
 * @param retryInitialDelay first delay before retrying a mirror whose upstream failed; doubles per
 *     failure up to {@code retryMaxDelay}
 * @param agentCertificates who may obtain a node agent certificate, and for how long
 */
public record OperatorSettings(
    String namespace,
    int healthPort,
    String bindAddress,
    Optional<LeaderElection> leaderElection,
    Optional<AdmissionSettings> admission,
    RegistrySettings registrySettings,
    Duration retryInitialDelay,
    Duration retryMaxDelay,
    AgentCsrPolicy agentCertificates) {

  /**
   * Only the holder of the Lease reconciles; every replica serves health (and, later, admission).
   *
   * @param identity unique per replica: the pod name in a cluster
   * @param exitOnLoss exit the process when leadership is lost, so it restarts as a clean follower
   *     instead of reconciling with state it may no longer own
   */
  public record LeaderElection(
      String namespace,
      String leaseName,
      String identity,
      Duration leaseDuration,
      Duration renewDeadline,
      Duration retryPeriod,
      boolean exitOnLoss) {}

  /** Settings for a local run or a test: no leader election, an ephemeral health port. */
  public static OperatorSettings local(String namespace) {
    return new OperatorSettings(
        namespace,
        0,
        "127.0.0.1",
        Optional.empty(),
        Optional.empty(),
        RegistrySettings.defaults(),
        Duration.ofSeconds(5),
        Duration.ofMinutes(10),
        AgentCsrPolicy.of(
            List.of(AgentCsrPolicy.serviceAccountUser(namespace, "dockmaster-agent"))));
  }

  public OperatorSettings withAdmission(AdmissionSettings webhook) {
    return new OperatorSettings(
        namespace,
        healthPort,
        bindAddress,
        leaderElection,
        Optional.of(webhook),
        registrySettings,
        retryInitialDelay,
        retryMaxDelay,
        agentCertificates);
  }

  public OperatorSettings withAgentCertificates(AgentCsrPolicy policy) {
    return new OperatorSettings(
        namespace,
        healthPort,
        bindAddress,
        leaderElection,
        admission,
        registrySettings,
        retryInitialDelay,
        retryMaxDelay,
        policy);
  }

  public OperatorSettings withLeaderElection(LeaderElection election) {
    return new OperatorSettings(
        namespace,
        healthPort,
        bindAddress,
        Optional.of(election),
        admission,
        registrySettings,
        retryInitialDelay,
        retryMaxDelay,
        agentCertificates);
  }
}
