package io.dockmaster.signature;

import static io.dockmaster.signature.Payloads.cosignPayload;
import static io.dockmaster.signature.Payloads.digestOf;
import static io.dockmaster.signature.Payloads.sign;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import io.dockmaster.signature.SignatureVerdict.Outcome;
import io.dockmaster.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.spec.EdDSAParameterSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignatureCheckTest {

  private static final Digest IMAGE = digestOf("image");
  private static final Digest OTHER_IMAGE = digestOf("other image");
  private static final KeyPair ALICE = TestKeys.ec("secp256r1");
  private static final KeyPair BOB = TestKeys.ec("secp256r1");
  private static final KeyPair CAROL = TestKeys.ec("secp256r1");

  private final SignatureCheck check = new SignatureCheck(SignatureLimits.defaults());

  @Test
  void verifiesSignaturesTheRealCosignMade() {
    Map<String, TrustedKey> authorities =
        Map.of(
            "p256", PublicKeys.parse(CosignVectors.P256_PUBLIC),
            "p384", PublicKeys.parse(CosignVectors.P384_PUBLIC),
            "ed25519", PublicKeys.parse(CosignVectors.ED25519_PUBLIC));
    FoundSignatures found =
        found(
            candidate(CosignVectors.PAYLOAD, CosignVectors.P256_SIGNATURE),
            candidate(CosignVectors.PAYLOAD, CosignVectors.P384_SIGNATURE),
            candidate(CosignVectors.PAYLOAD, CosignVectors.ED25519_SIGNATURE));

    SignatureVerdict verdict = check.check(CosignVectors.IMAGE, found, authorities);

    assertThat(verdict.verifiedAuthorities()).containsExactly("ed25519", "p256", "p384");
    assertThat(verdict.rejections()).isEmpty();
  }

  @Test
  void verifiesEcdsaOnEveryCurveWithTheHashesCosignUses() {
    KeyPair p256 = TestKeys.ec("secp256r1");
    KeyPair p384 = TestKeys.ec("secp384r1");
    KeyPair p521 = TestKeys.ec("secp521r1");
    byte[] payload = cosignPayload(IMAGE);

    assertVerified(p256, sign(p256.getPrivate(), "SHA256withECDSA", payload), payload);
    assertVerified(p384, sign(p384.getPrivate(), "SHA256withECDSA", payload), payload);
    assertVerified(p384, sign(p384.getPrivate(), "SHA384withECDSA", payload), payload);
    assertVerified(p521, sign(p521.getPrivate(), "SHA256withECDSA", payload), payload);
    assertVerified(p521, sign(p521.getPrivate(), "SHA512withECDSA", payload), payload);
  }

  @Test
  void verifiesRsaPkcs1WithSha256() {
    KeyPair rsa = TestKeys.rsa(2048);
    byte[] payload = cosignPayload(IMAGE);

    assertVerified(rsa, sign(rsa.getPrivate(), "SHA256withRSA", payload), payload);
    assertNotVerified(rsa, sign(rsa.getPrivate(), "SHA512withRSA", payload), payload);
  }

  @Test
  void verifiesPureAndPrehashedEd25519() {
    KeyPair ed = TestKeys.ed25519();
    byte[] payload = cosignPayload(IMAGE);

    assertVerified(ed, sign(ed.getPrivate(), "Ed25519", payload), payload);
    assertVerified(
        ed, sign(ed.getPrivate(), "Ed25519", new EdDSAParameterSpec(true), payload), payload);
  }

  @Test
  void aSignatureByAnotherKeyIsNotTrusted() {
    byte[] payload = cosignPayload(IMAGE);

    SignatureVerdict verdict =
        check.check(
            IMAGE,
            found(candidate(payload, sign(CAROL.getPrivate(), "SHA256withECDSA", payload))),
            authorities("alice", ALICE, "bob", BOB));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    assertThat(verdict.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(RejectionReason.NO_KEY_MATCHED);
              assertThat(r.detail()).isEqualTo("none of [alice, bob] verifies it");
            });
  }

  @Test
  void aSignatureOfOtherBytesDoesNotCountEvenIfTheyMeanTheSame() {
    byte[] payload = cosignPayload(IMAGE);
    byte[] reformatted =
        new String(payload, StandardCharsets.UTF_8)
            .replace(",", ", ")
            .getBytes(StandardCharsets.UTF_8);

    SignatureVerdict verdict =
        check.check(
            IMAGE,
            found(candidate(reformatted, sign(ALICE.getPrivate(), "SHA256withECDSA", payload))),
            authorities("alice", ALICE));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    assertThat(verdict.rejections())
        .extracting(Rejection::reason)
        .containsExactly(RejectionReason.NO_KEY_MATCHED);
  }

  @Test
  void aValidSignatureForAnotherImageIsRejectedAndSaysSo() {
    // The tag moved: the old image's signature was copied to the new digest's .sig tag.
    byte[] payload = cosignPayload(OTHER_IMAGE);

    SignatureVerdict verdict =
        check.check(
            IMAGE,
            found(candidate(payload, sign(ALICE.getPrivate(), "SHA256withECDSA", payload))),
            authorities("alice", ALICE));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    assertThat(verdict.verifiedAuthorities()).isEmpty();
    Rejection rejection = verdict.rejections().get(0);
    assertThat(rejection.reason()).isEqualTo(RejectionReason.DIGEST_MISMATCH);
    assertThat(rejection.detail())
        .isEqualTo(
            "it signs "
                + OTHER_IMAGE.shortForm()
                + " (validly, by alice), not "
                + IMAGE.shortForm()
                + "; copied from another image, or the tag moved");
  }

  @Test
  void countsEachAuthorityOnceForThresholds() {
    byte[] payload = cosignPayload(IMAGE);
    FoundSignatures found =
        found(
            candidate(payload, sign(ALICE.getPrivate(), "SHA256withECDSA", payload)),
            candidate(payload, sign(ALICE.getPrivate(), "SHA256withECDSA", payload)),
            candidate(payload, sign(BOB.getPrivate(), "SHA256withECDSA", payload)));

    SignatureVerdict verdict =
        check.check(IMAGE, found, authorities("alice", ALICE, "bob", BOB, "carol", CAROL));

    assertThat(verdict.verifiedAuthorities()).containsExactly("alice", "bob");
    assertThat(verdict.meetsThreshold(2)).isTrue();
    assertThat(verdict.meetsThreshold(3)).isFalse();
    assertThat(verdict.isVerifiedBy("carol")).isFalse();
    assertThat(verdict.signaturesFound()).isEqualTo(3);
    assertThat(verdict.summary()).isEqualTo(IMAGE.shortForm() + " is signed by alice, bob");
  }

  @Test
  void oneKeyListedUnderTwoNamesVerifiesForBoth() {
    byte[] payload = cosignPayload(IMAGE);

    SignatureVerdict verdict =
        check.check(
            IMAGE,
            found(candidate(payload, sign(ALICE.getPrivate(), "SHA256withECDSA", payload))),
            authorities("alice", ALICE, "alice-again", ALICE));

    assertThat(verdict.verifiedAuthorities()).containsExactly("alice", "alice-again");
  }

  @Test
  void oneValidSignatureIsEnoughAmongRejectedOnes() {
    byte[] payload = cosignPayload(IMAGE);

    SignatureVerdict verdict =
        check.check(
            IMAGE,
            found(
                candidate("garbage".getBytes(StandardCharsets.UTF_8), "AAAA"),
                candidate(payload, sign(ALICE.getPrivate(), "SHA256withECDSA", payload))),
            authorities("alice", ALICE));

    assertThat(verdict.outcome()).isEqualTo(Outcome.VERIFIED);
    assertThat(verdict.rejections())
        .extracting(Rejection::reason)
        .containsExactly(RejectionReason.UNPARSEABLE_PAYLOAD);
  }

  @Test
  void malformedSignaturesSayWhy() {
    byte[] payload = cosignPayload(IMAGE);
    Map<String, TrustedKey> authorities = authorities("alice", ALICE);

    assertThat(rejection(candidate(payload, null), authorities))
        .isEqualTo(rejection("c", RejectionReason.BAD_SIGNATURE, "no signature"));
    assertThat(rejection(candidate(payload, ""), authorities))
        .isEqualTo(rejection("c", RejectionReason.BAD_SIGNATURE, "no signature"));
    assertThat(rejection(candidate(payload, "not base64!"), authorities))
        .isEqualTo(rejection("c", RejectionReason.BAD_SIGNATURE, "not base64"));
    assertThat(rejection(candidate(payload, "A".repeat(100_000)), authorities).detail())
        .isEqualTo("100000 characters, longer than any supported signature");
  }

  @Test
  void toleratesLineBreaksInBase64LikeGo() {
    byte[] payload = cosignPayload(IMAGE);
    String signature = sign(ALICE.getPrivate(), "SHA256withECDSA", payload);
    String wrapped = signature.substring(0, 20) + "\r\n" + signature.substring(20);

    assertThat(
            check
                .check(IMAGE, found(candidate(payload, wrapped)), authorities("alice", ALICE))
                .outcome())
        .isEqualTo(Outcome.VERIFIED);
  }

  @Test
  void refusesPayloadsOverTheLimitWithoutReadingThem() {
    SignatureCheck small = new SignatureCheck(new SignatureLimits(32, 100));
    byte[] payload = cosignPayload(IMAGE);

    SignatureVerdict verdict =
        small.check(
            IMAGE,
            found(candidate(payload, sign(ALICE.getPrivate(), "SHA256withECDSA", payload))),
            authorities("alice", ALICE));

    assertThat(verdict.rejections())
        .containsExactly(
            rejection(
                "c",
                RejectionReason.PAYLOAD_TOO_LARGE,
                payload.length + " bytes, over the limit of 100"));
  }

  @Test
  void looksAtNoMoreSignaturesThanTheLimit() {
    SignatureCheck two = new SignatureCheck(new SignatureLimits(2, 65536));
    byte[] payload = cosignPayload(IMAGE);
    String valid = sign(ALICE.getPrivate(), "SHA256withECDSA", payload);

    SignatureVerdict verdict =
        two.check(
            IMAGE,
            found(
                candidate(payload, "AAAA"), candidate(payload, "AAAA"), candidate(payload, valid)),
            authorities("alice", ALICE));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    assertThat(verdict.signaturesFound()).isEqualTo(3);
    assertThat(verdict.rejections())
        .last()
        .isEqualTo(
            rejection(
                "1 more signatures",
                RejectionReason.OVER_LIMIT,
                "only the first 2 signatures of an image are checked"));
  }

  @Test
  void withoutTrustedKeysNothingVerifies() {
    byte[] payload = cosignPayload(IMAGE);

    SignatureVerdict verdict =
        check.check(
            IMAGE,
            found(candidate(payload, sign(ALICE.getPrivate(), "SHA256withECDSA", payload))),
            Map.of());

    assertThat(verdict.rejections())
        .containsExactly(rejection("c", RejectionReason.NO_KEY_MATCHED, "no keys are trusted"));
  }

  @Test
  void nothingFoundIsUnsigned() {
    SignatureVerdict verdict =
        check.check(IMAGE, FoundSignatures.none(), authorities("alice", ALICE));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNSIGNED);
    assertThat(verdict.signaturesFound()).isZero();
    assertThat(verdict.summary()).isEqualTo(IMAGE.shortForm() + " has no signatures");
  }

  @Test
  void whatASourceCouldNotReadMakesTheImageUntrustedNotUnsigned() {
    Rejection unreadable =
        rejection("cosign signature 1", RejectionReason.PAYLOAD_TOO_LARGE, "huge");

    SignatureVerdict verdict =
        check.check(
            IMAGE, new FoundSignatures(List.of(), List.of(unreadable)), authorities("a", ALICE));

    assertThat(verdict.outcome()).isEqualTo(Outcome.UNTRUSTED);
    assertThat(verdict.summary())
        .isEqualTo(
            IMAGE.shortForm()
                + " has 1 signature, none by a trusted key for this image:"
                + " cosign signature 1: payload too large (huge)");
  }

  @Test
  void theSummaryNamesTheFirstFewRejectionsOnly() {
    byte[] payload = cosignPayload(IMAGE);
    FoundSignatures found =
        found(
            candidate(payload, null),
            candidate(payload, null),
            candidate(payload, null),
            candidate(payload, null),
            candidate(payload, null));

    SignatureVerdict verdict = check.check(IMAGE, found, authorities("alice", ALICE));

    assertThat(verdict.rejections()).hasSize(5);
    assertThat(verdict.summary())
        .endsWith("c: malformed signature (no signature); and 2 more")
        .containsOnlyOnce("; c: malformed signature (no signature); c:");
  }

  private void assertVerified(KeyPair pair, String signature, byte[] payload) {
    assertThat(
            check
                .check(IMAGE, found(candidate(payload, signature)), authorities("k", pair))
                .verifiedAuthorities())
        .as("signature by %s", pair.getPublic().getAlgorithm())
        .containsExactly("k");
  }

  private void assertNotVerified(KeyPair pair, String signature, byte[] payload) {
    assertThat(
            check
                .check(IMAGE, found(candidate(payload, signature)), authorities("k", pair))
                .outcome())
        .isEqualTo(Outcome.UNTRUSTED);
  }

  private Rejection rejection(SignatureCandidate candidate, Map<String, TrustedKey> authorities) {
    List<Rejection> rejections = check.check(IMAGE, found(candidate), authorities).rejections();
    assertThat(rejections).hasSize(1);
    return rejections.get(0);
  }

  private static Rejection rejection(String origin, RejectionReason reason, String detail) {
    return new Rejection(origin, reason, detail);
  }

  private static SignatureCandidate candidate(byte[] payload, String signature) {
    return new SignatureCandidate("c", payload, signature);
  }

  private static FoundSignatures found(SignatureCandidate... candidates) {
    return new FoundSignatures(List.of(candidates), List.of());
  }

  /** Name, key pair, name, key pair, ...: the public keys as a policy would load them. */
  static Map<String, TrustedKey> authorities(Object... nameAndPair) {
    java.util.LinkedHashMap<String, TrustedKey> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < nameAndPair.length; i += 2) {
      KeyPair pair = (KeyPair) nameAndPair[i + 1];
      map.put((String) nameAndPair[i], PublicKeys.parse(TestKeys.publicPem(pair)));
    }
    return map;
  }
}
