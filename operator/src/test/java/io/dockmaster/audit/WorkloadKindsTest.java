package io.dockmaster.audit;

import static io.dockmaster.audit.TestWorkloads.spec;
import static io.dockmaster.testing.Workloads.controlledBy;
import static io.dockmaster.testing.Workloads.cronJob;
import static io.dockmaster.testing.Workloads.deployment;
import static io.dockmaster.testing.Workloads.job;
import static io.dockmaster.testing.Workloads.pod;
import static io.dockmaster.testing.Workloads.replicaSet;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import org.junit.jupiter.api.Test;

class WorkloadKindsTest {

  private static final String IMAGE = "registry.example.com/app:1";

  @Test
  void objectsControlledByAnAuditedKindAreCountedThroughTheirController() {
    Deployment web = deployment("ns", "web", spec(IMAGE));
    ReplicaSet replicas = controlledBy(replicaSet("ns", "web-1", spec(IMAGE)), web);
    Pod replica = controlledBy(pod("ns", "web-1-a", spec(IMAGE)), replicas);
    CronJob nightly = cronJob("ns", "nightly", spec(IMAGE));

    assertThat(WorkloadKinds.isTopLevel(web)).isTrue();
    assertThat(WorkloadKinds.isTopLevel(nightly)).isTrue();
    assertThat(WorkloadKinds.isTopLevel(replicas)).isFalse();
    assertThat(WorkloadKinds.isTopLevel(replica)).isFalse();
    assertThat(WorkloadKinds.isTopLevel(controlledBy(job("ns", "nightly-1", spec(IMAGE)), nightly)))
        .isFalse();
  }

  @Test
  void objectsNothingAuditedControlsAreTopLevel() {
    assertThat(WorkloadKinds.isTopLevel(replicaSet("ns", "bare", spec(IMAGE)))).isTrue();
    assertThat(WorkloadKinds.isTopLevel(job("ns", "once", spec(IMAGE)))).isTrue();
    assertThat(WorkloadKinds.isTopLevel(pod("ns", "debug", spec(IMAGE)))).isTrue();

    Pod ofWorkflow =
        controlledBy(
            pod("ns", "build-1", spec(IMAGE)),
            new GenericKubernetesResourceBuilder()
                .withApiVersion("argoproj.io/v1alpha1")
                .withKind("Workflow")
                .withNewMetadata()
                .withName("build")
                .endMetadata()
                .build());
    assertThat(WorkloadKinds.isTopLevel(ofWorkflow))
        .as("no audited kind runs a custom resource's pods")
        .isTrue();

    Pod merelyOwned = pod("ns", "helper", spec(IMAGE));
    merelyOwned
        .getMetadata()
        .getOwnerReferences()
        .add(
            new OwnerReferenceBuilder()
                .withApiVersion("apps/v1")
                .withKind("ReplicaSet")
                .withName("web-1")
                .withUid("u")
                .build());
    assertThat(WorkloadKinds.isTopLevel(merelyOwned))
        .as("an owner that is not its controller does not run its spec")
        .isTrue();
  }

  @Test
  void aKindOfTheSameNameInAnotherGroupIsNotAnAuditedOwner() {
    Pod ofCustomDeployment =
        controlledBy(
            pod("ns", "x", spec(IMAGE)),
            new GenericKubernetesResourceBuilder()
                .withApiVersion("example.com/v1")
                .withKind("Deployment")
                .withNewMetadata()
                .withName("x")
                .endMetadata()
                .build());

    assertThat(WorkloadKinds.isTopLevel(ofCustomDeployment)).isTrue();
  }
}
