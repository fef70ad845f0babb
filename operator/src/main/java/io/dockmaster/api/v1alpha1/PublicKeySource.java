package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.pem) != has(self.secretRef)",
    message = "set exactly one of pem or secretRef")
public class PublicKeySource {

  /** A PEM public key block; the content is checked by the reconciler, the framing here. */
  public static final String PEM_PATTERN =
      "^\\s*-----BEGIN ([A-Z0-9]+ )*PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END ([A-Z0-9]+ )*PUBLIC"
          + " KEY-----\\s*$";

  @JsonPropertyDescription(
      "The public key inline, PEM-encoded (-----BEGIN PUBLIC KEY-----), as written by cosign"
          + " generate-key-pair to cosign.pub. ECDSA P-256/P-384, RSA and Ed25519 keys are"
          + " accepted.")
  @Size(max = 16384)
  @Pattern(PEM_PATTERN)
  private String pem;

  @JsonPropertyDescription("A Secret key that holds the PEM-encoded public key.")
  private SecretKeyReference secretRef;

  public static PublicKeySource inline(String pem) {
    PublicKeySource source = new PublicKeySource();
    source.setPem(pem);
    return source;
  }

  public String getPem() {
    return pem;
  }

  public void setPem(String pem) {
    this.pem = pem;
  }

  public SecretKeyReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretKeyReference secretRef) {
    this.secretRef = secretRef;
  }
}
