package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One key of a Secret; namespaced explicitly because the resources that refer to it are not. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeyReference {

  @JsonPropertyDescription("Namespace of the Secret.")
  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  private String namespace;

  @JsonPropertyDescription("Name of the Secret.")
  @Required
  @Size(min = 1, max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  private String name;

  @JsonPropertyDescription("Key within the Secret's data.")
  @Default("cosign.pub")
  @Size(min = 1, max = 253)
  @Pattern("^[-._a-zA-Z0-9]+$")
  private String key = "cosign.pub";

  public SecretKeyReference() {}

  public SecretKeyReference(String namespace, String name, String key) {
    this.namespace = namespace;
    this.name = name;
    this.key = key;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  @Override
  public String toString() {
    return "Secret " + namespace + "/" + name + " key " + key;
  }
}
