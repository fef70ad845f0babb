package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Cluster-scoped, like the nodes it distributes to. */
@Group(ApiGroup.NAME)
@Version(ApiGroup.VERSION)
@ShortNames("imir")
@Categories("dockmaster")
@JsonClassDescription(
    "ImageMirror prefetches a list of images onto the selected nodes, fetching each layer from the"
        + " upstream registry about once and from peer nodes after that.")
@AdditionalPrinterColumn(
    name = "Upstream",
    jsonPath = ".spec.upstream.registry",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Images",
    jsonPath = ".status.resolvedImageCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Nodes",
    jsonPath = ".status.nodesReady",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Progress",
    jsonPath = ".status.progress",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ImageMirror extends CustomResource<ImageMirrorSpec, ImageMirrorStatus> {

  // Overridden only to carry the descriptions kubectl explain shows for spec and status.
  @Override
  @JsonPropertyDescription("Which images to prefetch, from where, onto which nodes.")
  public ImageMirrorSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "How far prefetching got: resolved digests, nodes complete, failures, bytes moved.")
  public ImageMirrorStatus getStatus() {
    return super.getStatus();
  }
}
