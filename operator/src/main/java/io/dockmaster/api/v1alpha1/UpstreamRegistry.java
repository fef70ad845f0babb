package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpstreamRegistry {

  /** host or host:port, lowercase, as image references name registries. */
  public static final String HOST_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$";

  @JsonPropertyDescription(
      "Registry host as it appears in image references, lowercase, with the port if not 443, e.g."
          + " registry.example.com or 10.0.0.5:5000. docker.io means Docker Hub.")
  @Required
  @Size(min = 1, max = 253)
  @Pattern(HOST_PATTERN)
  private String registry;

  @JsonPropertyDescription(
      "A Secret of type kubernetes.io/dockerconfigjson with credentials for this registry. Omit"
          + " for anonymous pulls.")
  private SecretReference credentialsSecretRef;

  @JsonPropertyDescription(
      "Allow plain HTTP and unverified TLS to this registry. Only for test or air-gapped"
          + " registries: anyone on the path can then change what nodes receive, though digests"
          + " are still verified.")
  @Default("false")
  private Boolean insecure = false;

  public String getRegistry() {
    return registry;
  }

  public void setRegistry(String registry) {
    this.registry = registry;
  }

  public SecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(SecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }

  public Boolean getInsecure() {
    return insecure;
  }

  public void setInsecure(Boolean insecure) {
    this.insecure = insecure;
  }
}
