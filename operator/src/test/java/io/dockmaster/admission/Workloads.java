package io.dockmaster.admission;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;

/** Valid pods and workloads whose containers c0, c1, ... run the given images. */
final class Workloads {

  private Workloads() {}

  static Pod pod(String namespace, String name, String... images) {
    return io.dockmaster.testing.Workloads.pod(namespace, name, AdmissionRequests.spec(images));
  }

  static Deployment deployment(String namespace, String name, String... images) {
    return io.dockmaster.testing.Workloads.deployment(
        namespace, name, AdmissionRequests.spec(images));
  }

  static CronJob cronJob(String namespace, String name, String... images) {
    return io.dockmaster.testing.Workloads.cronJob(namespace, name, AdmissionRequests.spec(images));
  }
}
