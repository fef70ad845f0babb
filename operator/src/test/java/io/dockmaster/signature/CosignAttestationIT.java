package io.dockmaster.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.Manifest;
import io.dockmaster.registry.MediaTypes;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.testing.Cosign;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.RegistryUploads;
import io.dockmaster.testing.TestImages;
import io.dockmaster.testing.TestKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verification of attestations the real cosign made ({@code cosign attest}), in a real distribution
 * registry, with images pushed by crane. Every test uses its own repository, since attesting
 * appends to shared state.
 */
class CosignAttestationIT {

  private static final String CYCLONEDX = "https://cyclonedx.org/bom";
  private static final String SLSA_02 = "https://slsa.dev/provenance/v0.2";

  @TempDir static Path tmp;

  private static RegistryServer registry;
  private static String host;
  private static Cosign cosign;
  private static Cosign.Keys alice;
  private static Cosign.Keys carol;
  private static Path sbom;
  private static Path provenance;
  private static final TestImages crane = TestImages.anonymous();

  private final RegistryClient client = RegistryClient.builder().build();
  private final AttestationVerifier verifier = AttestationVerifier.cosign();

  @BeforeAll
  static void startRegistryAndMakeKeys() throws IOException {
    registry = RegistryServer.distribution().start();
    host = registry.host();
    cosign = Cosign.in(tmp);
    alice = cosign.generateKeyPair("alice");
    carol = cosign.generateKeyPair("carol");
    sbom =
        Files.writeString(
            tmp.resolve("sbom.json"),
            "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"version\":1,"
                + "\"components\":[{\"type\":\"library\",\"name\":\"left-pad\","
                + "\"version\":\"1.3.0\"}]}");
    // cosign requires the SLSA v0.2 fields that are not omitempty: builder and buildType.
    provenance =
        Files.writeString(
            tmp.resolve("provenance.json"),
            "{\"builder\":{\"id\":\"https://ci.example/builder\"},"
                + "\"buildType\":\"https://ci.example/build/v1\"}");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void anImageAttestedWithACycloneDxSbomIsVerifiedForThatTypeByTheSigner() {
    ImageReference image = push("team/attested", "v1");
    cosign.attest(alice, image.toString(), sbom, "cyclonedx");

    AttestationVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.verified()).containsOnlyKeys(CYCLONEDX);
    assertThat(verdict.authoritiesFor(CYCLONEDX)).containsExactly("alice");
    assertThat(verdict.isAttested(CYCLONEDX, List.of("alice"))).isTrue();
    assertThat(verdict.rejections()).isEmpty();
    assertThat(cosign.verifiesAttestation(alice, image.toString(), "cyclonedx")).isTrue();
  }

  @Test
  void anAttestationByAnUntrustedKeyDoesNotCount() {
    ImageReference image = push("team/untrusted", "v1");
    cosign.attest(carol, image.toString(), sbom, "cyclonedx");

    AttestationVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.isAttested(CYCLONEDX, List.of())).isFalse();
    assertThat(verdict.rejectionsFor(CYCLONEDX))
        .extracting(AttestationRejection::reason)
        .containsExactly(AttestationRejectionReason.NO_KEY_MATCHED);
    assertThat(verdict.whyNotAttested(CYCLONEDX, List.of()))
        .matches(
            "1 of that type does not count: cosign attestation 1 \\(sha256:[0-9a-f]{12}\\):"
                + " no trusted key matched \\(none of \\[alice\\] verifies it\\)");
  }

  @Test
  void slsaProvenanceIsVerifiedAsSuchButIsNoSbom() {
    ImageReference image = push("team/provenance", "v1");
    cosign.attest(alice, image.toString(), provenance, "slsaprovenance");

    AttestationVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.verified()).containsOnlyKeys(SLSA_02);
    assertThat(verdict.isAttested(CYCLONEDX, List.of("alice"))).isFalse();
    assertThat(verdict.whyNotAttested(CYCLONEDX, List.of("alice")))
        .isEqualTo("it has none of that type, only " + SLSA_02);
  }

  @Test
  void anAttestationCopiedToAnotherDigestIsForAnotherImage() {
    ImageReference attested = push("team/copied", "v1");
    cosign.attest(alice, attested.toString(), sbom, "cyclonedx");
    ImageReference other = push("team/copied", "v2");
    crane.crane("copy", attestationTag(attested), attestationTag(other));

    AttestationVerdict verdict = verifier.verify(client, other, trusting("alice", alice));

    assertThat(verdict.verified()).isEmpty();
    AttestationRejection rejection = verdict.rejections().get(0);
    assertThat(rejection.reason()).isEqualTo(AttestationRejectionReason.SUBJECT_MISMATCH);
    assertThat(rejection.predicateType()).isEqualTo(CYCLONEDX);
    assertThat(rejection.detail())
        .startsWith(
            "it is about "
                + attested.digest().orElseThrow().shortForm()
                + " (validly signed by alice), not "
                + other.digest().orElseThrow().shortForm());
    assertThat(cosign.verifiesAttestation(alice, other.toString(), "cyclonedx")).isFalse();
    assertThat(verifier.verify(client, attested, trusting("alice", alice)).verified())
        .containsOnlyKeys(CYCLONEDX);
  }

  @Test
  void anUnattestedImageHasNoAttestationsEvenIfSigned() {
    ImageReference image = push("team/unattested", "v1");
    cosign.sign(alice, image.toString());

    AttestationVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.attestationsFound()).isZero();
    assertThat(verdict.verified()).isEmpty();
    assertThat(verdict.whyNotAttested(CYCLONEDX, List.of())).isEqualTo("it has no attestations");
  }

  @Test
  void attestationsOfEveryKeyTypeCosignSignsWithVerify() {
    // generate-key-pair only makes P-256 keys, so these are imported.
    Cosign.Keys p384 = cosign.importKeyPair("att-p384", TestKeys.ec("secp384r1").getPrivate());
    Cosign.Keys p521 = cosign.importKeyPair("att-p521", TestKeys.ec("secp521r1").getPrivate());
    Cosign.Keys rsa = cosign.importKeyPair("att-rsa", TestKeys.rsa(3072).getPrivate());
    Cosign.Keys ed25519 = cosign.importKeyPair("att-ed25519", TestKeys.ed25519().getPrivate());
    ImageReference image = push("team/key-types", "v1");
    for (Cosign.Keys keys : List.of(p384, p521, rsa, ed25519)) {
      cosign.attest(keys, image.toString(), sbom, "cyclonedx");
    }

    AttestationVerdict verdict =
        verifier.verify(
            client, image, trusting("p384", p384, "p521", p521, "rsa", rsa, "ed25519", ed25519));

    assertThat(verdict.authoritiesFor(CYCLONEDX)).containsExactly("ed25519", "p384", "p521", "rsa");
  }

  @Test
  void aMegabyteSbomIsReadAndVerified() throws IOException {
    ImageReference image = push("team/big-sbom", "v1");
    String components =
        java.util.stream.IntStream.range(0, 12_000)
            .mapToObj(
                i ->
                    "{\"type\":\"library\",\"name\":\"package-"
                        + i
                        + "\",\"version\":\"1.0."
                        + i
                        + "\",\"purl\":\"pkg:npm/package-"
                        + i
                        + "@1.0."
                        + i
                        + "\"}")
            .collect(Collectors.joining(","));
    Path big =
        Files.writeString(
            tmp.resolve("big-sbom.json"),
            "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
                + components
                + "]}");
    assertThat(Files.size(big)).isGreaterThan(1_000_000);
    cosign.attest(alice, image.toString(), big, "cyclonedx");

    AttestationVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.authoritiesFor(CYCLONEDX)).containsExactly("alice");
  }

  @Test
  void oddLayersBesideAGenuineAttestationAreReportedNotFatal() {
    String repository = "team/odd-layers";
    ImageReference image = push(repository, "v1");
    cosign.attest(alice, image.toString(), sbom, "cyclonedx");
    Manifest attestations = attestationManifest(image);
    RegistryUploads uploads = new RegistryUploads(host);
    byte[] goneContent = "gone".getBytes(StandardCharsets.UTF_8);
    String gone = uploads.putBlob(repository, goneContent);
    String small = uploads.putBlob(repository, "{}".getBytes(StandardCharsets.UTF_8));
    List<String> layers =
        List.of(
            layerJson(attestations.layers().get(0)),
            // Declares more than the limit, and lies: refused by its declared size, since reading
            // it would have ended in a size mismatch (ENVELOPE_UNAVAILABLE) instead.
            layer(
                CosignTagAttestations.DSSE_ENVELOPE,
                small,
                AttestationLimits.DEFAULT_MAX_ENVELOPE_BYTES + 1L),
            layer(MediaTypes.COSIGN_SIMPLE_SIGNING, gone, goneContent.length),
            layer(CosignTagAttestations.DSSE_ENVELOPE, gone, goneContent.length));
    replaceAttestationManifest(image, attestations, layers);
    uploads.deleteBlob(repository, gone);

    AttestationVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.authoritiesFor(CYCLONEDX)).containsExactly("alice");
    assertThat(verdict.rejections())
        .extracting(AttestationRejection::reason)
        .containsExactly(
            AttestationRejectionReason.ENVELOPE_TOO_LARGE,
            AttestationRejectionReason.NOT_AN_ATTESTATION,
            AttestationRejectionReason.ENVELOPE_UNAVAILABLE);
    assertThat(verdict.attestationsFound()).isEqualTo(4);
  }

  @Test
  void readsNoMoreThanTheLimitOfAttestationLayers() {
    ImageReference image = push("team/many-layers", "v1");
    cosign.attest(alice, image.toString(), sbom, "cyclonedx");
    Manifest attestations = attestationManifest(image);
    List<String> layers = new ArrayList<>();
    String junk = junkLayer("team/many-layers");
    for (int i = 0; i < AttestationLimits.DEFAULT_MAX_ATTESTATIONS + 3; i++) {
      layers.add(junk);
    }
    // The genuine attestation comes after the limit, so it is never read.
    layers.add(layerJson(attestations.layers().get(0)));
    replaceAttestationManifest(image, attestations, layers);

    AttestationVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.verified()).isEmpty();
    assertThat(verdict.rejections())
        .filteredOn(r -> r.reason() == AttestationRejectionReason.OVER_LIMIT)
        .singleElement()
        .extracting(AttestationRejection::message)
        .isEqualTo(
            "4 more cosign attestations: over the attestation limit"
                + " (only the first 32 layers of the .att tag are read)");
  }

  @Test
  void anIndexWhereAttestationsBelongIsNotAnAttestation() {
    ImageReference image = push("team/index-att", "v1");
    crane.index(attestationTag(image), image.toString());

    AttestationVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.rejections())
        .extracting(AttestationRejection::reason)
        .containsExactly(AttestationRejectionReason.NOT_AN_ATTESTATION);
  }

  @Test
  void aRegistryThatRefusesIsAnErrorNotAnUnattestedImage() {
    try (RegistryServer locked = RegistryServer.distribution().htpasswd("ci", "secret").start()) {
      ImageReference image =
          ImageReference.parse(locked.host() + "/team/app@" + Digest.sha256(new byte[0]));

      assertThatThrownBy(() -> verifier.verify(client, image, trusting("alice", alice)))
          .isInstanceOfSatisfying(
              RegistryException.class,
              e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHORIZED));
    }
  }

  /** Pushes a one-layer image with {@code content} to {@code repository}:latest, by digest. */
  private static ImageReference push(String repository, String content) {
    Path layer = TestImages.layer(tmp, Map.of("content.txt", repository + " " + content));
    String digest = crane.push(host + "/" + repository + ":latest", layer);
    return ImageReference.parse(host + "/" + repository + "@" + digest);
  }

  private static String attestationTag(ImageReference image) {
    return image.withTag(CosignTagAttestations.tagFor(image.digest().orElseThrow())).toString();
  }

  private static Map<String, TrustedKey> trusting(Object... nameAndKeys) {
    Map<String, TrustedKey> authorities = new LinkedHashMap<>();
    for (int i = 0; i < nameAndKeys.length; i += 2) {
      Cosign.Keys keys = (Cosign.Keys) nameAndKeys[i + 1];
      authorities.put((String) nameAndKeys[i], PublicKeys.parse(keys.publicPem()));
    }
    return authorities;
  }

  private Manifest attestationManifest(ImageReference image) {
    return client
        .fetchManifest(ImageReference.parse(attestationTag(image)))
        .manifest()
        .orElseThrow();
  }

  private static void replaceAttestationManifest(
      ImageReference image, Manifest attestations, List<String> layers) {
    Descriptor config = attestations.config();
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":"
            + layer(config.mediaType(), config.digest().toString(), config.size())
            + ",\"layers\":["
            + String.join(",", layers)
            + "]}";
    new RegistryUploads(host)
        .putManifest(
            image.repository(), CosignTagAttestations.tagFor(image.digest().orElseThrow()), json);
  }

  /** A DSSE layer whose envelope is no envelope. */
  private static String junkLayer(String repository) {
    byte[] envelope = "{}".getBytes(StandardCharsets.UTF_8);
    String digest = new RegistryUploads(host).putBlob(repository, envelope);
    return layer(CosignTagAttestations.DSSE_ENVELOPE, digest, envelope.length);
  }

  private static String layer(String mediaType, String digest, long size) {
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + digest
        + "\",\"size\":"
        + size
        + "}";
  }

  private static String layerJson(Descriptor layer) {
    String annotations =
        layer.annotations().entrySet().stream()
            .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
            .collect(Collectors.joining(","));
    return "{\"mediaType\":\""
        + layer.mediaType()
        + "\",\"digest\":\""
        + layer.digest()
        + "\",\"size\":"
        + layer.size()
        + ",\"annotations\":{"
        + annotations
        + "}}";
  }
}
