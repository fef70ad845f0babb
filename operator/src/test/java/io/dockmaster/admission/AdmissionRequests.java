package io.dockmaster.admission;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionKindBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import java.util.UUID;
import java.util.stream.IntStream;

/** AdmissionRequests as the API server sends them, built from typed objects. */
final class AdmissionRequests {

  private AdmissionRequests() {}

  /** A pod spec with containers c0, c1, ... running these images. */
  static PodSpec spec(String... images) {
    return new PodSpecBuilder()
        .withContainers(
            IntStream.range(0, images.length)
                .mapToObj(
                    i -> new ContainerBuilder().withName("c" + i).withImage(images[i]).build())
                .toList())
        .build();
  }

  static AdmissionRequest create(HasMetadata object) {
    return request("CREATE", object, null);
  }

  /** An UPDATE from {@code before} to {@code after}. */
  static AdmissionRequest update(HasMetadata before, HasMetadata after) {
    AdmissionRequest request = request("UPDATE", after, null);
    request.setOldObject(before);
    return request;
  }

  /** Without an old object, which only DELETE carries here; see {@link #update}. */
  static AdmissionRequest request(String operation, HasMetadata object, String subResource) {
    return new AdmissionRequestBuilder()
        .withUid(UUID.randomUUID().toString())
        .withKind(
            new GroupVersionKindBuilder()
                .withGroup(HasMetadata.getGroup(object.getClass()))
                .withVersion(HasMetadata.getVersion(object.getClass()))
                .withKind(object.getKind())
                .build())
        .withOperation(operation)
        .withSubResource(subResource)
        .withNamespace(object.getMetadata().getNamespace())
        .withName(object.getMetadata().getName())
        .withObject("DELETE".equals(operation) ? null : object)
        .withOldObject("DELETE".equals(operation) ? object : null)
        .build();
  }
}
