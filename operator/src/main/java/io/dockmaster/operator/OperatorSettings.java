package io.dockmaster.operator;

import java.time.Duration;
import java.util.Optional;

/**
 * How the operator process runs, as parsed from flags and environment.
 *
 * @param namespace the namespace the operator is installed in; exempt from policies by default
 * @param leaderElectionNamespace where the leader Lease lives; empty disables leader election, as
 *     for a single operator run from a laptop
 */
public record OperatorSettings(
    String namespace,
    int healthPort,
    String bindAddress,
    Optional<String> leaderElectionNamespace,
    String leaseName,
    Duration mirrorBackoffCap) {}
