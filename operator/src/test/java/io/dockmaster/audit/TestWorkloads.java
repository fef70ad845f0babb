package io.dockmaster.audit;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/**
 * Valid workloads the API server accepts, whose pod spec breaks or keeps registry-free rules: one
 * container named {@code app}, running as UID 1000 unless told otherwise, so that a runAsNonRoot
 * policy never needs a registry.
 */
final class TestWorkloads {

  private TestWorkloads() {}

  /**
   * @param escalation the container's allowPrivilegeEscalation, null to leave it unset
   * @param runAsUser the container's runAsUser; the pod's is 1000
   */
  static PodSpec spec(String image, Boolean escalation, long runAsUser) {
    return new PodSpecBuilder()
        .withNewSecurityContext()
        .withRunAsUser(1000L)
        .endSecurityContext()
        .addNewContainer()
        .withName("app")
        .withImage(image)
        .withSecurityContext(
            new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(escalation)
                .withRunAsUser(runAsUser)
                .build())
        .endContainer()
        .build();
  }

  /** Neither the pod nor the container sets a user: only the image can say who runs. */
  static PodSpec specWithoutUser(String image) {
    return new PodSpecBuilder()
        .addNewContainer()
        .withName("app")
        .withImage(image)
        .endContainer()
        .build();
  }

  static PodSpec spec(String image) {
    return spec(image, false, 1000);
  }
}
