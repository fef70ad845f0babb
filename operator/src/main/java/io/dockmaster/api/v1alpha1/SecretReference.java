package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A whole Secret; namespaced explicitly because the resources that refer to it are not. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretReference {

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

  public SecretReference() {}

  public SecretReference(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
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

  @Override
  public String toString() {
    return "Secret " + namespace + "/" + name;
  }
}
