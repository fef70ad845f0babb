package io.dockmaster.admission;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;

/** Valid pods and workloads whose containers c0, c1, ... run the given images. */
final class Workloads {

  private Workloads() {}

  static Pod pod(String namespace, String name, String... images) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withSpec(AdmissionRequests.spec(images))
        .build();
  }

  static Deployment deployment(String namespace, String name, String... images) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withSpec(AdmissionRequests.spec(images))
        .endTemplate()
        .endSpec()
        .build();
  }

  static CronJob cronJob(String namespace, String name, String... images) {
    PodSpec spec = AdmissionRequests.spec(images);
    spec.setRestartPolicy("OnFailure");
    return new CronJobBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withSchedule("0 3 * * *")
        .withNewJobTemplate()
        .withNewSpec()
        .withNewTemplate()
        .withSpec(spec)
        .endTemplate()
        .endSpec()
        .endJobTemplate()
        .endSpec()
        .build();
  }
}
