package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Authority {

  @JsonPropertyDescription(
      "Name of this authority, used in messages and in attestations[].signedBy, e.g. release.")
  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  private String name;

  @JsonPropertyDescription("The public key signatures are verified with.")
  @Required
  private PublicKeySource key;

  public Authority() {}

  public Authority(String name, PublicKeySource key) {
    this.name = name;
    this.key = key;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public PublicKeySource getKey() {
    return key;
  }

  public void setKey(PublicKeySource key) {
    this.key = key;
  }
}
