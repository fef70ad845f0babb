package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Cluster-scoped rules for which images may run where. Deliberately not {@link Namespaced}: a
 * platform team owns policies, tenants do not.
 */
@Group(ApiGroup.NAME)
@Version(ApiGroup.VERSION)
@ShortNames("ipol")
@Categories("dockmaster")
@JsonClassDescription(
    "ImagePolicy decides which container images may run in the namespaces it selects: signatures by"
        + " trusted keys, allowed registries, digest pinning, non-root users and platforms.")
@AdditionalPrinterColumn(
    name = "Mode",
    jsonPath = ".spec.mode",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Authorities",
    jsonPath = ".status.authorities",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ImagePolicy extends CustomResource<ImagePolicySpec, ImagePolicyStatus> {

  // Overridden only to carry the descriptions kubectl explain shows for spec and status.
  @Override
  @JsonPropertyDescription("What the policy requires of the images in the namespaces it selects.")
  public ImagePolicySpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "What the operator made of the policy: whether it is in force, and what it found.")
  public ImagePolicyStatus getStatus() {
    return super.getStatus();
  }
}
