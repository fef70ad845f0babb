package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageMirrorStatus extends ReconciledStatus {

  @JsonPropertyDescription("Number of entries of spec.images resolved to a digest.")
  private Integer resolvedImageCount;

  @JsonPropertyDescription("Each image of spec.images as last resolved upstream.")
  private List<ResolvedImage> images = new ArrayList<>();

  @JsonPropertyDescription("How many selected nodes hold every layer, and how many failed.")
  private NodeCounts nodes;

  @JsonPropertyDescription("Nodes complete of nodes desired, e.g. 3/5, for kubectl get.")
  private String nodesReady;

  @JsonPropertyDescription(
      "Share of the bytes the selected nodes need that they hold, e.g. 73%, for kubectl get.")
  private String progress;

  @JsonPropertyDescription(
      "The most recent failures, per node and image (capped so status stays small on large"
          + " clusters).")
  private List<NodeFailure> failures = new ArrayList<>();

  @JsonPropertyDescription("Bytes nodes fetched from the upstream registry in the last run.")
  private Long bytesFromUpstream;

  @JsonPropertyDescription("Bytes nodes fetched from peer nodes in the last run.")
  private Long bytesFromPeers;

  @JsonPropertyDescription("When the last resolve-and-distribute run started (RFC 3339).")
  private String lastRunStartTime;

  @JsonPropertyDescription("When the last resolve-and-distribute run finished (RFC 3339).")
  private String lastRunFinishTime;

  public Integer getResolvedImageCount() {
    return resolvedImageCount;
  }

  public void setResolvedImageCount(Integer resolvedImageCount) {
    this.resolvedImageCount = resolvedImageCount;
  }

  public List<ResolvedImage> getImages() {
    return images;
  }

  public void setImages(List<ResolvedImage> images) {
    this.images = images;
  }

  public NodeCounts getNodes() {
    return nodes;
  }

  public void setNodes(NodeCounts nodes) {
    this.nodes = nodes;
  }

  public String getNodesReady() {
    return nodesReady;
  }

  public void setNodesReady(String nodesReady) {
    this.nodesReady = nodesReady;
  }

  public String getProgress() {
    return progress;
  }

  public void setProgress(String progress) {
    this.progress = progress;
  }

  public List<NodeFailure> getFailures() {
    return failures;
  }

  public void setFailures(List<NodeFailure> failures) {
    this.failures = failures;
  }

  public Long getBytesFromUpstream() {
    return bytesFromUpstream;
  }

  public void setBytesFromUpstream(Long bytesFromUpstream) {
    this.bytesFromUpstream = bytesFromUpstream;
  }

  public Long getBytesFromPeers() {
    return bytesFromPeers;
  }

  public void setBytesFromPeers(Long bytesFromPeers) {
    this.bytesFromPeers = bytesFromPeers;
  }

  public String getLastRunStartTime() {
    return lastRunStartTime;
  }

  public void setLastRunStartTime(String lastRunStartTime) {
    this.lastRunStartTime = lastRunStartTime;
  }

  public String getLastRunFinishTime() {
    return lastRunFinishTime;
  }

  public void setLastRunFinishTime(String lastRunFinishTime) {
    this.lastRunFinishTime = lastRunFinishTime;
  }
}
