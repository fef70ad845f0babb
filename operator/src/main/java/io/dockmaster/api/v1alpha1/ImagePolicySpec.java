package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImagePolicySpec {

  @JsonPropertyDescription(
      "What happens to a workload that breaks this policy. Enforce denies it at admission; Warn"
          + " admits it and kubectl prints each violation as a warning; Audit admits it and only"
          + " records the violation in status.audit.")
  @Default("Enforce")
  private PolicyMode mode = PolicyMode.Enforce;

  @JsonPropertyDescription(
      "Namespaces this policy governs, by label. Empty selects every namespace except the"
          + " operator's own namespace and kube-system, which are governed only when this selector"
          + " names them explicitly (kubernetes.io/metadata.name).")
  private LabelSelector namespaceSelector;

  @JsonPropertyDescription(
      "Glob patterns over normalized image references (registry/repository:tag) that the"
          + " signature, digest, user and platform rules apply to. '*' matches within one path"
          + " segment, '**' across segments, e.g. registry.example.com/prod/**. Empty means every"
          + " image.")
  @Size(max = 128)
  private List<String> images = new ArrayList<>();

  @JsonPropertyDescription(
      "Glob patterns of images exempt from this policy even when they match images, e.g."
          + " registry.example.com/prod/debug-*.")
  @Size(max = 128)
  private List<String> exclude = new ArrayList<>();

  @JsonPropertyDescription(
      "Registry hosts (host or host:port, lowercase) images may come from in the selected"
          + " namespaces. An image from any other registry is denied whether or not images matches"
          + " it. Empty allows every registry.")
  @Size(max = 64)
  private List<String> allowedRegistries = new ArrayList<>();

  @JsonPropertyDescription(
      "Require every matched image to be referenced by digest (name@sha256:...) rather than by"
          + " a tag that can move.")
  @Default("false")
  private Boolean requireDigest = false;

  @JsonPropertyDescription(
      "Secrets of type kubernetes.io/dockerconfigjson with credentials admission uses to read"
          + " image configs, signatures and attestations from private registries, after the pod's"
          + " own imagePullSecrets.")
  @Size(max = 8)
  private List<SecretReference> registryCredentials = new ArrayList<>();

  @JsonPropertyDescription(
      "Signatures and attestations that every matched image must carry. Omit to skip signature"
          + " checks.")
  private SignaturePolicy signature;

  @JsonPropertyDescription(
      "Require the effective user of every container to be non-root: the container's runAsUser,"
          + " else the pod's, else the USER of the image config. A user name other than a number"
          + " cannot be proven non-root and is refused.")
  @Default("false")
  private Boolean runAsNonRoot = false;

  @JsonPropertyDescription(
      "When false, every container must set securityContext.allowPrivilegeEscalation to false."
          + " Omit to leave privilege escalation unchecked.")
  private Boolean allowPrivilegeEscalation;

  @JsonPropertyDescription(
      "Platforms (os/architecture[/variant], e.g. linux/amd64, linux/arm64) every matched image"
          + " must provide, so that it runs on every node of a mixed cluster.")
  @Size(max = 16)
  private List<String> platforms = new ArrayList<>();

  public PolicyMode getMode() {
    return mode;
  }

  public void setMode(PolicyMode mode) {
    this.mode = mode;
  }

  public LabelSelector getNamespaceSelector() {
    return namespaceSelector;
  }

  public void setNamespaceSelector(LabelSelector namespaceSelector) {
    this.namespaceSelector = namespaceSelector;
  }

  public List<String> getImages() {
    return images;
  }

  public void setImages(List<String> images) {
    this.images = images;
  }

  public List<String> getExclude() {
    return exclude;
  }

  public void setExclude(List<String> exclude) {
    this.exclude = exclude;
  }

  public List<String> getAllowedRegistries() {
    return allowedRegistries;
  }

  public void setAllowedRegistries(List<String> allowedRegistries) {
    this.allowedRegistries = allowedRegistries;
  }

  public Boolean getRequireDigest() {
    return requireDigest;
  }

  public void setRequireDigest(Boolean requireDigest) {
    this.requireDigest = requireDigest;
  }

  public List<SecretReference> getRegistryCredentials() {
    return registryCredentials;
  }

  public void setRegistryCredentials(List<SecretReference> registryCredentials) {
    this.registryCredentials = registryCredentials;
  }

  public SignaturePolicy getSignature() {
    return signature;
  }

  public void setSignature(SignaturePolicy signature) {
    this.signature = signature;
  }

  public Boolean getRunAsNonRoot() {
    return runAsNonRoot;
  }

  public void setRunAsNonRoot(Boolean runAsNonRoot) {
    this.runAsNonRoot = runAsNonRoot;
  }

  public Boolean getAllowPrivilegeEscalation() {
    return allowPrivilegeEscalation;
  }

  public void setAllowPrivilegeEscalation(Boolean allowPrivilegeEscalation) {
    this.allowPrivilegeEscalation = allowPrivilegeEscalation;
  }

  public List<String> getPlatforms() {
    return platforms;
  }

  public void setPlatforms(List<String> platforms) {
    this.platforms = platforms;
  }
}
