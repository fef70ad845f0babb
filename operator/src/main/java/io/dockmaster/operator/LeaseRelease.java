package io.dockmaster.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the leader Lease up on a clean stop, so a follower takes over at its next retry instead of
 * after the lease duration. JOSDK 5.2 builds its elector with {@code releaseOnCancel} off and has
 * no setting for it; releasing as client-go does (empty holder, one-second lease) needs only the
 * get and update on the Lease the chart already grants.
 */
final class LeaseRelease {

  private static final Logger log = LoggerFactory.getLogger(LeaseRelease.class);

  private LeaseRelease() {}

  /** Call once the elector has stopped; a write of ours that loses a race changes nothing. */
  static void releaseIfHeld(KubernetesClient client, OperatorSettings.LeaderElection election) {
    try {
      Lease lease =
          client.leases().inNamespace(election.namespace()).withName(election.leaseName()).get();
      if (lease == null
          || lease.getSpec() == null
          || !election.identity().equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      ZonedDateTime now = ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS);
      // The resourceVersion read above makes this an optimistic write.
      client
          .resource(
              new LeaseBuilder(lease)
                  .editSpec()
                  .withHolderIdentity("")
                  .withLeaseDurationSeconds(1)
                  .withAcquireTime(now)
                  .withRenewTime(now)
                  .endSpec()
                  .build())
          .update();
      log.info("released the leader Lease {}/{}", election.namespace(), election.leaseName());
    } catch (KubernetesClientException e) {
      log.warn(
          "cannot release the leader Lease {}/{}; a follower takes over once it expires: {}",
          election.namespace(),
          election.leaseName(),
          e.getMessage());
    }
  }
}
