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
import io.dockmaster.registry.RegistrySettings;
import io.dockmaster.registry.RetryPolicy;
import io.dockmaster.signature.SignatureVerdict.Outcome;
import io.dockmaster.testing.Cosign;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.RegistryUploads;
import io.dockmaster.testing.TestImages;
import io.dockmaster.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verification of signatures the real cosign made, in a real distribution registry, with images
 * pushed by crane. Every test uses its own repository, since signing appends to shared state.
 */
class CosignSignatureIT {

  @TempDir static Path tmp;

  private static RegistryServer registry;
  private static String host;
  private static Cosign cosign;
  private static Cosign.Keys alice;
  private static Cosign.Keys bob;
  private static Cosign.Keys carol;
  private static final TestImages crane = TestImages.anonymous();

  private final RegistryClient client = RegistryClient.builder().build();
  private final SignatureVerifier verifier = SignatureVerifier.cosign();

  @BeforeAll
  static void startRegistryAndMakeKeys() {
    registry = RegistryServer.distribution().start();
    host = registry.host();
    cosign = Cosign.in(tmp);
    alice = cosign.generateKeyPair("alice");
    bob = cosign.generateKeyPair("bob");
    carol = cosign.generateKeyPair("carol");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void anImageSignedWithAKeyIsVerifiedByThatKey() {
    ImageReference image = push("team/signed", "v1");
    cosign.sign(alice, image.toString());

    SignatureVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.outcome()).isEqualTo(Outcome.VERIFIED);
    assertThat(verdict.verifiedAuthorities()).containsExactly("alice");
    assertThat(verdict.rejections()).isEmpty();
  }

  @Test
  void aSignatureByAnotherKeyIsNotTrusted() {
    ImageReference image = push("team/other-key", "v1");
    cosign.sign(carol, image.toString());

    SignatureVerdict verdict = verifier.verify(client, image, trusting("alice", alice, "bob", bob));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    assertThat(verdict.rejections())
        .extracting(Rejection::reason)
        .containsExactly(RejectionReason.NO_KEY_MATCHED);
  }

  @Test
  void twoSignersMeetATwoOfThreeThreshold() {
    ImageReference image = push("team/two-signers", "v1");
    cosign.sign(alice, image.toString());
    cosign.sign(bob, image.toString());

    SignatureVerdict verdict =
        verifier.verify(client, image, trusting("alice", alice, "bob", bob, "carol", carol));

    assertThat(verdict.verifiedAuthorities()).containsExactly("alice", "bob");
    assertThat(verdict.meetsThreshold(2)).isTrue();
    assertThat(verdict.meetsThreshold(3)).isFalse();
    assertThat(verdict.signaturesFound()).isEqualTo(2);
  }

  @Test
  void signaturesOfEveryKeyTypeCosignSignsWithVerify() {
    // cosign 2.6 signs P-384 over SHA-384 and Ed25519 as Ed25519ph; generate-key-pair only makes
    // P-256 keys, so these are imported.
    Cosign.Keys p384 = cosign.importKeyPair("p384", TestKeys.ec("secp384r1").getPrivate());
    Cosign.Keys p521 = cosign.importKeyPair("p521", TestKeys.ec("secp521r1").getPrivate());
    Cosign.Keys rsa = cosign.importKeyPair("rsa", TestKeys.rsa(3072).getPrivate());
    Cosign.Keys ed25519 = cosign.importKeyPair("ed25519", TestKeys.ed25519().getPrivate());
    ImageReference image = push("team/key-types", "v1");
    for (Cosign.Keys keys : List.of(p384, p521, rsa, ed25519)) {
      cosign.sign(keys, image.toString());
    }

    SignatureVerdict verdict =
        verifier.verify(
            client, image, trusting("p384", p384, "p521", p521, "rsa", rsa, "ed25519", ed25519));

    assertThat(verdict.verifiedAuthorities()).containsExactly("ed25519", "p384", "p521", "rsa");
  }

  @Test
  void anUnsignedImageIsUnsigned() {
    ImageReference image = push("team/unsigned", "v1");

    SignatureVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNSIGNED);
    assertThat(verdict.signaturesFound()).isZero();
  }

  @Test
  void whenATagMovesTheNewDigestIsUnsignedAndACopiedSignatureIsForAnotherImage() {
    ImageReference signed = push("team/moving", "v1");
    cosign.sign(alice, signed.toString());
    ImageReference moved = push("team/moving", "v2");
    assertThat(moved.digest()).isNotEqualTo(signed.digest());

    assertThat(verifier.verify(client, moved, trusting("alice", alice)).outcome())
        .isEqualTo(Outcome.UNSIGNED);

    crane.crane("copy", signed.cosignSignature().toString(), moved.cosignSignature().toString());
    SignatureVerdict verdict = verifier.verify(client, moved, trusting("alice", alice));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    Rejection rejection = verdict.rejections().get(0);
    assertThat(rejection.reason()).isEqualTo(RejectionReason.DIGEST_MISMATCH);
    assertThat(rejection.detail())
        .startsWith(
            "it signs " + signed.digest().orElseThrow().shortForm() + " (validly, by alice)");
    assertThat(verifier.verify(client, signed, trusting("alice", alice)).outcome())
        .isEqualTo(Outcome.VERIFIED);
  }

  @Test
  void readsNoMoreThanTheLimitOfSignatureLayers() {
    ImageReference image = push("team/many-layers", "v1");
    cosign.sign(alice, image.toString());
    Manifest signatures = signatureManifest(image);
    List<String> layers = new ArrayList<>();
    String junk = junkLayer("team/many-layers");
    for (int i = 0; i < SignatureLimits.DEFAULT_MAX_SIGNATURES + 8; i++) {
      layers.add(junk);
    }
    // The genuine signature comes after the limit, so it is never read.
    layers.add(layerJson(signatures.layers().get(0)));
    replaceSignatureManifest(image, signatures, layers);

    SignatureVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    assertThat(verdict.rejections()).hasSize(SignatureLimits.DEFAULT_MAX_SIGNATURES + 1);
    assertThat(verdict.rejections())
        .filteredOn(r -> r.reason() == RejectionReason.OVER_LIMIT)
        .singleElement()
        .extracting(Rejection::message)
        .isEqualTo(
            "9 more cosign signatures: over the signature limit"
                + " (only the first 32 layers of the .sig tag are read)");
  }

  @Test
  void oddLayersBesideAGenuineSignatureAreReportedNotFatal() {
    String repository = "team/odd-layers";
    ImageReference image = push(repository, "v1");
    cosign.sign(alice, image.toString());
    Manifest signatures = signatureManifest(image);
    RegistryUploads uploads = new RegistryUploads(host);
    String huge =
        uploads.putBlob(repository, new byte[SignatureLimits.DEFAULT_MAX_PAYLOAD_BYTES + 1]);
    byte[] goneContent = "gone".getBytes(StandardCharsets.UTF_8);
    String gone = uploads.putBlob(repository, goneContent);
    byte[] lyingContent =
        "a payload longer than its descriptor says".getBytes(StandardCharsets.UTF_8);
    String lying = uploads.putBlob(repository, lyingContent);
    List<String> layers =
        List.of(
            layerJson(signatures.layers().get(0)),
            layer(
                MediaTypes.COSIGN_SIMPLE_SIGNING,
                huge,
                SignatureLimits.DEFAULT_MAX_PAYLOAD_BYTES + 1),
            layer(MediaTypes.OCI_LAYER_GZIP, gone, goneContent.length),
            layer(MediaTypes.COSIGN_SIMPLE_SIGNING, gone, goneContent.length),
            layer(MediaTypes.COSIGN_SIMPLE_SIGNING, lying, 8));
    replaceSignatureManifest(image, signatures, layers);
    uploads.deleteBlob(repository, gone);

    SignatureVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.verifiedAuthorities()).containsExactly("alice");
    assertThat(verdict.rejections())
        .extracting(Rejection::reason)
        .containsExactly(
            RejectionReason.PAYLOAD_TOO_LARGE,
            RejectionReason.NOT_A_SIGNATURE,
            RejectionReason.PAYLOAD_UNAVAILABLE,
            RejectionReason.PAYLOAD_UNAVAILABLE);
  }

  @Test
  void anIndexWhereSignaturesBelongIsNotASignature() {
    ImageReference image = push("team/index-sig", "v1");
    crane.index(image.cosignSignature().toString(), image.toString());

    SignatureVerdict verdict = verifier.verify(client, image, trusting("alice", alice));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    assertThat(verdict.rejections())
        .extracting(Rejection::reason)
        .containsExactly(RejectionReason.NOT_A_SIGNATURE);
  }

  @Test
  void aRegistryThatRefusesIsAnErrorNotAnUnsignedImage() {
    try (RegistryServer locked = RegistryServer.distribution().htpasswd("ci", "secret").start()) {
      ImageReference image =
          ImageReference.parse(locked.host() + "/team/app@" + Digest.sha256(new byte[0]));

      assertThatThrownBy(() -> verifier.verify(client, image, trusting("alice", alice)))
          .isInstanceOfSatisfying(
              RegistryException.class,
              e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHORIZED));
    }
  }

  @Test
  void anUnreachableRegistryIsAnErrorNotAnUnsignedImage() {
    RegistryClient impatient =
        RegistryClient.builder()
            .settings(RegistrySettings.builder().retryPolicy(RetryPolicy.NONE).build())
            .build();
    ImageReference image =
        ImageReference.parse(
            "127.0.0.1:" + RegistryServer.freePort() + "/team/app@" + Digest.sha256(new byte[0]));

    assertThatThrownBy(() -> verifier.verify(impatient, image, trusting("alice", alice)))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNREACHABLE));
  }

  /** Pushes a one-layer image with {@code content} to {@code repository}:latest, by digest. */
  private static ImageReference push(String repository, String content) {
    Path layer = TestImages.layer(tmp, Map.of("content.txt", repository + " " + content));
    String digest = crane.push(host + "/" + repository + ":latest", layer);
    return ImageReference.parse(host + "/" + repository + "@" + digest);
  }

  private static Map<String, TrustedKey> trusting(Object... nameAndKeys) {
    Map<String, TrustedKey> authorities = new java.util.LinkedHashMap<>();
    for (int i = 0; i < nameAndKeys.length; i += 2) {
      Cosign.Keys keys = (Cosign.Keys) nameAndKeys[i + 1];
      authorities.put((String) nameAndKeys[i], PublicKeys.parse(keys.publicPem()));
    }
    return authorities;
  }

  private Manifest signatureManifest(ImageReference image) {
    return client.fetchManifest(image.cosignSignature()).manifest().orElseThrow();
  }

  private static void replaceSignatureManifest(
      ImageReference image, Manifest signatures, List<String> layers) {
    Descriptor config = signatures.config();
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":"
            + layer(config.mediaType(), config.digest().toString(), config.size())
            + ",\"layers\":["
            + String.join(",", layers)
            + "]}";
    new RegistryUploads(host)
        .putManifest(image.repository(), image.cosignSignature().tag().orElseThrow(), json);
  }

  /** A simple-signing layer whose payload is no cosign payload and whose signature is nonsense. */
  private static String junkLayer(String repository) {
    byte[] payload = "{}".getBytes(StandardCharsets.UTF_8);
    String digest = new RegistryUploads(host).putBlob(repository, payload);
    return "{\"mediaType\":\""
        + MediaTypes.COSIGN_SIMPLE_SIGNING
        + "\",\"digest\":\""
        + digest
        + "\",\"size\":"
        + payload.length
        + ",\"annotations\":{\""
        + CosignTagSignatures.SIGNATURE_ANNOTATION
        + "\":\"AAAA\"}}";
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
