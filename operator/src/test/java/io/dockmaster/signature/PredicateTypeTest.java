package io.dockmaster.signature;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PredicateTypeTest {

  @Test
  void namesKnownTypesAndTheCosignShorthandThatMakesThem() {
    PredicateType sbom = PredicateType.of("https://cyclonedx.org/bom");

    assertThat(sbom.attestationLabel())
        .isEqualTo("CycloneDX SBOM attestation (https://cyclonedx.org/bom)");
    assertThat(sbom.cosignAttestCommand("<key of release>", "registry.example/app@sha256:ab"))
        .isEqualTo(
            "cosign attest --key <key of release> --type cyclonedx --predicate sbom.json"
                + " registry.example/app@sha256:ab");
    assertThat(PredicateType.of("https://slsa.dev/provenance/v0.2").cosignType())
        .isEqualTo("slsaprovenance");
    assertThat(PredicateType.of("https://slsa.dev/provenance/v1").cosignType())
        .isEqualTo("slsaprovenance1");
    assertThat(PredicateType.of("https://spdx.dev/Document").cosignType()).isEqualTo("spdxjson");
  }

  @Test
  void unknownTypesAreNamedByTheirUriWhichCosignAcceptsAsType() {
    PredicateType custom = PredicateType.of("https://example.com/scan/v1");

    assertThat(custom.attestationLabel())
        .isEqualTo("attestation of type https://example.com/scan/v1");
    assertThat(custom.cosignAttestCommand("<key>", "app@sha256:ab"))
        .isEqualTo(
            "cosign attest --key <key> --type https://example.com/scan/v1"
                + " --predicate predicate.json app@sha256:ab");
  }
}
