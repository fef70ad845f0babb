package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AttestationRequirement {

  @JsonPropertyDescription(
      "The in-toto predicate type the attestation must carry, e.g. https://cyclonedx.org/bom for"
          + " a CycloneDX SBOM or https://slsa.dev/provenance/v1 for SLSA provenance.")
  @Required
  @Size(min = 1, max = 512)
  @Pattern("^[a-zA-Z][a-zA-Z0-9+.-]*:[^\\s]+$")
  private String predicateType;

  @JsonPropertyDescription(
      "Names of the authorities whose signature on the attestation counts. Empty means any"
          + " authority of signature.authorities.")
  @Size(max = 16)
  private List<String> signedBy = new ArrayList<>();

  public String getPredicateType() {
    return predicateType;
  }

  public void setPredicateType(String predicateType) {
    this.predicateType = predicateType;
  }

  public List<String> getSignedBy() {
    return signedBy;
  }

  public void setSignedBy(List<String> signedBy) {
    this.signedBy = signedBy;
  }
}
