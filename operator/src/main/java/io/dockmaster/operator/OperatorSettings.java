package io.dockmaster.operator;

import io.dockmaster.registry.RegistrySettings;
import java.time.Duration;
import java.util.Optional;

/**
 * How the operator process runs, as parsed from flags and environment.
 *
 * @param namespace the namespace the operator is installed in; exempt from policies by default
 * @param retryInitialDelay first delay before retrying a mirror whose upstream failed; doubles per
 *     failure up to {@code retryMaxDelay}
 * @param leaderElectionNamespace where the leader Lease lives; empty disables leader election, as
 *     for a single operator run from a laptop
 */
public record OperatorSettings(
    String namespace,
    int healthPort,
    String bindAddress,
    Optional<String> leaderElectionNamespace,
    String leaseName,
    RegistrySettings registrySettings,
    Duration retryInitialDelay,
    Duration retryMaxDelay) {

  /** Settings for a local run or a test: no leader election, an ephemeral health port. */
  public static OperatorSettings local(String namespace) {
    return new OperatorSettings(
        namespace,
        0,
        "127.0.0.1",
        Optional.empty(),
        "dockmaster-operator",
        RegistrySettings.defaults(),
        Duration.ofSeconds(5),
        Duration.ofMinutes(10));
  }
}
