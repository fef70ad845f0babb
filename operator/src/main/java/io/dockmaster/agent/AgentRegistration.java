package io.dockmaster.agent;

import io.dockmaster.control.AgentLease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this agent's {@link AgentLease} renewed, so the operator plans with it, and deletes it on a
 * clean stop, so the operator re-plans at once instead of waiting for it to expire.
 */
final class AgentRegistration implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AgentRegistration.class);
  static final String FIELD_MANAGER = "dockmaster-agent";

  private final KubernetesClient client;
  private final String namespace;
  private final Function<java.time.Instant, AgentLease> lease;
  private final Clock clock;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "agent-lease");
            thread.setDaemon(true);
            return thread;
          });
  private volatile String nodeName;

  AgentRegistration(
      KubernetesClient client,
      String namespace,
      Function<java.time.Instant, AgentLease> lease,
      Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.lease = lease;
    this.clock = clock;
  }

  /** Registers now (failing loudly if the API server refuses) and renews every {@code period}. */
  void start(Duration period) {
    renew();
    timer.scheduleWithFixedDelay(
        this::renewQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void renew() {
    AgentLease current = lease.apply(clock.instant());
    nodeName = current.node();
    client
        .leases()
        .inNamespace(namespace)
        .resource(current.toLease(namespace))
        .fieldManager(FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
  }

  private void renewQuietly() {
    try {
      renew();
    } catch (KubernetesClientException e) {
      log.warn("renewing this agent's Lease failed (retrying): {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    if (nodeName == null) {
      return;
    }
    try {
      client.leases().inNamespace(namespace).withName(AgentLease.leaseName(nodeName)).delete();
    } catch (KubernetesClientException e) {
      log.warn("could not delete this agent's Lease; it expires on its own: {}", e.getMessage());
    }
  }
}
