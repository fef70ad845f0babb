package io.dockmaster.audit;

import java.time.Duration;

/**
 * Bounds on one audit, so that a large cluster costs a partial summary rather than an unbounded
 * reconciliation.
 *
 * @param maxWorkloads workloads evaluated at most; more make the summary partial
 * @param maxFindings violations listed in status at most; all are counted
 * @param timeBudget after this the audit stops and its summary says it is partial; checked between
 *     workloads, so one slow registry can overrun it by its own timeouts
 */
public record AuditLimits(int maxWorkloads, int maxFindings, Duration timeBudget) {

  public static AuditLimits defaults() {
    return new AuditLimits(2_000, 20, Duration.ofSeconds(60));
  }
}
