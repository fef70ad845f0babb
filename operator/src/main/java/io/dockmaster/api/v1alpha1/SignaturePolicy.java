package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.threshold) || self.threshold <= size(self.authorities)",
    message = "threshold cannot exceed the number of authorities",
    fieldPath = ".threshold")
@ValidationRule(
    value = "self.authorities.all(a, self.authorities.exists_one(b, b.name == a.name))",
    message = "authority names must be unique",
    fieldPath = ".authorities")
@ValidationRule(
    value =
        "!has(self.attestations) || self.attestations.all(att, !has(att.signedBy) ||"
            + " att.signedBy.all(n, self.authorities.exists(a, a.name == n)))",
    message = "attestations[].signedBy must name authorities listed in signature.authorities",
    fieldPath = ".attestations")
public class SignaturePolicy {

  @JsonPropertyDescription("Trusted public keys. A signature counts only if one of these made it.")
  @Required
  @Size(min = 1, max = 16)
  private List<Authority> authorities = new ArrayList<>();

  @JsonPropertyDescription(
      "How many distinct authorities must have signed an image, e.g. 2 for a release key and a"
          + " security-review key.")
  @Default("1")
  @Min(1)
  @Max(16)
  private Integer threshold = 1;

  @JsonPropertyDescription(
      "Attestations (in-toto statements in DSSE envelopes, as made by cosign attest) that every"
          + " matched image must carry, by predicate type.")
  @Size(max = 16)
  private List<AttestationRequirement> attestations = new ArrayList<>();

  public List<Authority> getAuthorities() {
    return authorities;
  }

  public void setAuthorities(List<Authority> authorities) {
    this.authorities = authorities;
  }

  public Integer getThreshold() {
    return threshold;
  }

  public void setThreshold(Integer threshold) {
    this.threshold = threshold;
  }

  public List<AttestationRequirement> getAttestations() {
    return attestations;
  }

  public void setAttestations(List<AttestationRequirement> attestations) {
    this.attestations = attestations;
  }
}
