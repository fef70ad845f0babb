package io.dockmaster.signature;

import java.util.Map;
import java.util.Objects;

/**
 * What people call an in-toto predicate type and how cosign attaches one, for messages that must
 * say how to fix a missing attestation.
 *
 * @param uri the predicate type as statements and policies spell it
 * @param name a short name for people, e.g. "CycloneDX SBOM"; empty for types not known here
 * @param cosignType the value of {@code cosign attest --type} that produces it; for unknown types
 *     the URI itself, which cosign accepts
 * @param predicateFile a conventional name for the predicate file, for example commands
 */
public record PredicateType(String uri, String name, String cosignType, String predicateFile) {

  /** The types cosign 2.6 has {@code --type} shorthands for. */
  private static final Map<String, PredicateType> KNOWN =
      Map.of(
          "https://cyclonedx.org/bom",
              new PredicateType(
                  "https://cyclonedx.org/bom", "CycloneDX SBOM", "cyclonedx", "sbom.json"),
          "https://spdx.dev/Document",
              new PredicateType(
                  "https://spdx.dev/Document", "SPDX SBOM", "spdxjson", "sbom.spdx.json"),
          "https://slsa.dev/provenance/v0.2",
              new PredicateType(
                  "https://slsa.dev/provenance/v0.2",
                  "SLSA provenance v0.2",
                  "slsaprovenance",
                  "provenance.json"),
          "https://slsa.dev/provenance/v1",
              new PredicateType(
                  "https://slsa.dev/provenance/v1",
                  "SLSA provenance v1",
                  "slsaprovenance1",
                  "provenance.json"),
          "https://cosign.sigstore.dev/attestation/vuln/v1",
              new PredicateType(
                  "https://cosign.sigstore.dev/attestation/vuln/v1",
                  "vulnerability scan",
                  "vuln",
                  "vuln.json"));

  public PredicateType {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(cosignType, "cosignType");
    Objects.requireNonNull(predicateFile, "predicateFile");
  }

  /** The description of {@code uri}; unknown types are named by their URI alone. */
  public static PredicateType of(String uri) {
    PredicateType known = KNOWN.get(uri);
    return known != null ? known : new PredicateType(uri, "", uri, "predicate.json");
  }

  /**
   * How messages name an attestation of this type, e.g. {@code CycloneDX SBOM attestation
   * (https://cyclonedx.org/bom)} or {@code attestation of type https://example.com/scan/v1}.
   */
  public String attestationLabel() {
    return name.isEmpty() ? "attestation of type " + uri : name + " attestation (" + uri + ")";
  }

  /**
   * The cosign command that attaches such an attestation, e.g. {@code cosign attest --key <key of
   * release> --type cyclonedx --predicate sbom.json registry.example/app@sha256:…}.
   */
  public String cosignAttestCommand(String keyPlaceholder, String imageAtDigest) {
    return "cosign attest --key "
        + keyPlaceholder
        + " --type "
        + cosignType
        + " --predicate "
        + predicateFile
        + " "
        + imageAtDigest;
  }
}
