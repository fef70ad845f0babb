package io.dockmaster.signature;

import static io.dockmaster.signature.Envelopes.CYCLONEDX;
import static io.dockmaster.signature.Envelopes.SLSA_02;
import static io.dockmaster.signature.Envelopes.authorities;
import static io.dockmaster.signature.Envelopes.envelope;
import static io.dockmaster.signature.Envelopes.statement;
import static io.dockmaster.signature.Payloads.digestOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import io.dockmaster.signature.Envelopes.Signer;
import io.dockmaster.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AttestationCheckTest {

  private static final Digest IMAGE = digestOf("image");
  private static final Digest OTHER_IMAGE = digestOf("other image");
  private static final KeyPair ALICE = TestKeys.ec("secp256r1");
  private static final KeyPair BOB = TestKeys.ec("secp256r1");
  private static final Signer ALICE_SIGNS = new Signer(ALICE.getPrivate(), "SHA256withECDSA");
  private static final Signer BOB_SIGNS = new Signer(BOB.getPrivate(), "SHA256withECDSA");
  private static final Map<String, TrustedKey> TRUSTED = authorities("alice", ALICE, "bob", BOB);

  private final AttestationCheck check = new AttestationCheck(AttestationLimits.defaults());

  @Test
  void verifiesAttestationsTheRealCosignMadeWithEveryKeyType() {
    Map<String, TrustedKey> authorities =
        Map.of(
            "p256", PublicKeys.parse(CosignAttestationVectors.P256_PUBLIC),
            "p384", PublicKeys.parse(CosignAttestationVectors.P384_PUBLIC),
            "p521", PublicKeys.parse(CosignAttestationVectors.P521_PUBLIC),
            "rsa", PublicKeys.parse(CosignAttestationVectors.RSA_PUBLIC),
            "ed25519", PublicKeys.parse(CosignAttestationVectors.ED_PUBLIC));
    FoundAttestations found =
        found(
            CosignAttestationVectors.P256_ENVELOPE,
            CosignAttestationVectors.P384_ENVELOPE,
            CosignAttestationVectors.P521_ENVELOPE,
            CosignAttestationVectors.RSA_ENVELOPE,
            CosignAttestationVectors.ED_ENVELOPE);

    AttestationVerdict verdict = check.check(CosignAttestationVectors.IMAGE, found, authorities);

    assertThat(verdict.rejections()).isEmpty();
    assertThat(verdict.verified())
        .containsOnlyKeys(CYCLONEDX)
        .containsEntry(CYCLONEDX, Set.of("ed25519", "p256", "p384", "p521", "rsa"));
    assertThat(verdict.attestationsFound()).isEqualTo(5);
  }

  @Test
  void aRealCosignAttestationDoesNotCountForAnotherImage() {
    AttestationVerdict verdict =
        check.check(
            IMAGE,
            found(CosignAttestationVectors.P256_ENVELOPE),
            Map.of("p256", PublicKeys.parse(CosignAttestationVectors.P256_PUBLIC)));

    assertThat(verdict.verified()).isEmpty();
    assertThat(verdict.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(AttestationRejectionReason.SUBJECT_MISMATCH);
              assertThat(r.predicateType()).isEqualTo(CYCLONEDX);
              assertThat(r.detail())
                  .isEqualTo(
                      "it is about "
                          + CosignAttestationVectors.IMAGE.shortForm()
                          + " (validly signed by p256), not "
                          + IMAGE.shortForm()
                          + "; copied from another image, or the tag moved");
            });
  }

  @Test
  void verifiesEveryKeyTypeWithTheSchemesCosignUses() {
    KeyPair p384 = TestKeys.ec("secp384r1");
    KeyPair p521 = TestKeys.ec("secp521r1");
    KeyPair rsa = TestKeys.rsa(3072);
    KeyPair ed = TestKeys.ed25519();
    byte[] statement = statement(CYCLONEDX, IMAGE);
    FoundAttestations found =
        found(
            envelope(statement, new Signer(p384.getPrivate(), "SHA384withECDSA")),
            envelope(statement, new Signer(p521.getPrivate(), "SHA512withECDSA")),
            envelope(statement, new Signer(rsa.getPrivate(), "SHA256withRSA")),
            envelope(statement, Signer.ed25519ph(ed.getPrivate())),
            envelope(statement, ALICE_SIGNS));

    AttestationVerdict verdict =
        check.check(
            IMAGE,
            found,
            authorities("p384", p384, "p521", p521, "rsa", rsa, "ed", ed, "alice", ALICE));

    assertThat(verdict.authoritiesFor(CYCLONEDX))
        .containsExactly("alice", "ed", "p384", "p521", "rsa");
  }

  @Test
  void theSignatureMustBeOverThePaeNotTheBareStatement() {
    byte[] statement = statement(CYCLONEDX, IMAGE);
    String overStatement = Payloads.sign(ALICE.getPrivate(), "SHA256withECDSA", statement);

    AttestationVerdict verdict =
        check.check(IMAGE, found(inToto(statement, overStatement)), TRUSTED);

    assertThat(verdict.verified()).isEmpty();
    assertThat(reasons(verdict)).containsExactly(AttestationRejectionReason.NO_KEY_MATCHED);
    assertThat(verdict.rejections().get(0).detail()).isEqualTo("none of [alice, bob] verifies it");
  }

  @Test
  void aSignatureUnderAnotherPayloadTypeDoesNotCarryOver() {
    byte[] statement = statement(CYCLONEDX, IMAGE);
    String underJson = ALICE_SIGNS.sign("application/json", statement);

    AttestationVerdict verdict = check.check(IMAGE, found(inToto(statement, underJson)), TRUSTED);

    assertThat(reasons(verdict)).containsExactly(AttestationRejectionReason.NO_KEY_MATCHED);
  }

  @Test
  void anEnvelopeOfAnotherPayloadTypeIsNotAnAttestationEvenIfSigned() {
    byte[] statement = statement(CYCLONEDX, IMAGE);
    byte[] envelope =
        Envelopes.envelope(
            "application/json",
            statement,
            List.of(ALICE_SIGNS.sign("application/json", statement)));

    AttestationVerdict verdict = check.check(IMAGE, found(envelope), TRUSTED);

    assertThat(verdict.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(AttestationRejectionReason.WRONG_PAYLOAD_TYPE);
              assertThat(r.detail())
                  .isEqualTo(
                      "payloadType is \"application/json\", not application/vnd.in-toto+json");
            });
  }

  @Test
  void anAttestationForAnotherDigestIsASubjectMismatchNamingWhoSignedIt() {
    AttestationVerdict verdict =
        check.check(
            IMAGE, found(envelope(statement(CYCLONEDX, OTHER_IMAGE), ALICE_SIGNS)), TRUSTED);

    assertThat(verdict.verified()).isEmpty();
    assertThat(verdict.rejections())
        .singleElement()
        .extracting(AttestationRejection::message)
        .isEqualTo(
            "a: attestation for another image (it is about "
                + OTHER_IMAGE.shortForm()
                + " (validly signed by alice), not "
                + IMAGE.shortForm()
                + "; copied from another image, or the tag moved)");
  }

  @Test
  void anAttestationByAnUntrustedKeyDoesNotCount() {
    KeyPair mallory = TestKeys.ec("secp256r1");

    AttestationVerdict verdict =
        check.check(
            IMAGE,
            found(
                envelope(
                    statement(CYCLONEDX, IMAGE),
                    new Signer(mallory.getPrivate(), "SHA256withECDSA"))),
            TRUSTED);

    assertThat(verdict.verified()).isEmpty();
    assertThat(verdict.rejectionsFor(CYCLONEDX))
        .extracting(AttestationRejection::reason)
        .containsExactly(AttestationRejectionReason.NO_KEY_MATCHED);
    assertThat(
            check
                .check(IMAGE, found(envelope(statement(CYCLONEDX, IMAGE), ALICE_SIGNS)), Map.of())
                .rejections()
                .get(0)
                .detail())
        .isEqualTo("no keys are trusted");
  }

  @Test
  void malformedSignaturesAreBadSignatures() {
    byte[] statement = statement(CYCLONEDX, IMAGE);

    assertThat(details(check.check(IMAGE, found(inToto(statement)), TRUSTED)))
        .containsExactly("the envelope has no signatures");
    assertThat(details(check.check(IMAGE, found(inToto(statement, "")), TRUSTED)))
        .containsExactly("empty signature");
    assertThat(details(check.check(IMAGE, found(inToto(statement, "%%%")), TRUSTED)))
        .containsExactly("the signature is not base64");
    assertThat(details(check.check(IMAGE, found(inToto(statement, "A".repeat(5000))), TRUSTED)))
        .containsExactly("5000 characters, longer than any supported signature");
    assertThat(reasons(check.check(IMAGE, found(inToto(statement, "%%%", "")), TRUSTED)))
        .containsExactly(AttestationRejectionReason.BAD_SIGNATURE);
  }

  @Test
  void oneGoodSignatureAmongBadOnesInAnEnvelopeCounts() {
    byte[] statement = statement(CYCLONEDX, IMAGE);
    String alices = ALICE_SIGNS.sign(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement);
    String bobs = BOB_SIGNS.sign(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement);

    assertThat(
            check
                .check(IMAGE, found(inToto(statement, "%%%", "AAAA", alices)), TRUSTED)
                .authoritiesFor(CYCLONEDX))
        .containsExactly("alice");
    assertThat(
            check
                .check(IMAGE, found(inToto(statement, bobs, alices)), TRUSTED)
                .authoritiesFor(CYCLONEDX))
        .containsExactly("alice", "bob");
  }

  @Test
  void signaturesBeyondTheLimitOfAnEnvelopeAreNotChecked() {
    byte[] statement = statement(CYCLONEDX, IMAGE);
    String alices = ALICE_SIGNS.sign(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement);
    List<String> signatures = new ArrayList<>(List.of("AAAA", "AAAA", "AAAA", "AAAA"));
    signatures.add(alices);

    AttestationVerdict verdict =
        check.check(
            IMAGE,
            found(Envelopes.envelope(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement, signatures)),
            TRUSTED);

    assertThat(verdict.verified()).isEmpty();
    assertThat(details(verdict))
        .containsExactly(
            "none of [alice, bob] verifies it; only the first 4 of its 5 signatures were checked");
  }

  @Test
  void eachPredicateTypeHasItsOwnAuthorities() {
    FoundAttestations found =
        found(
            envelope(statement(CYCLONEDX, IMAGE), ALICE_SIGNS),
            envelope(statement(SLSA_02, IMAGE), BOB_SIGNS),
            envelope(statement(SLSA_02, IMAGE), ALICE_SIGNS));

    AttestationVerdict verdict = check.check(IMAGE, found, TRUSTED);

    assertThat(verdict.verified())
        .containsExactly(
            Map.entry(CYCLONEDX, Set.of("alice")), Map.entry(SLSA_02, Set.of("alice", "bob")));
    assertThat(verdict.isAttested(CYCLONEDX, List.of())).isTrue();
    assertThat(verdict.isAttested(CYCLONEDX, List.of("bob"))).isFalse();
    assertThat(verdict.isAttested(CYCLONEDX, List.of("bob", "alice"))).isTrue();
    assertThat(verdict.isAttested("https://spdx.dev/Document", List.of())).isFalse();
  }

  @Test
  void theSignedPredicateTypeCountsNotTheRegistrysLabel() {
    AttestationCandidate labelledSbom =
        new AttestationCandidate("a", envelope(statement(SLSA_02, IMAGE), ALICE_SIGNS), CYCLONEDX);

    AttestationVerdict verdict =
        check.check(IMAGE, new FoundAttestations(List.of(labelledSbom), List.of()), TRUSTED);

    assertThat(verdict.verified()).containsOnlyKeys(SLSA_02);
  }

  @Test
  void authoritiesSharingAKeyAreAllCredited() {
    Map<String, TrustedKey> authorities = authorities("release", ALICE, "security", ALICE);

    AttestationVerdict verdict =
        check.check(IMAGE, found(envelope(statement(CYCLONEDX, IMAGE), ALICE_SIGNS)), authorities);

    assertThat(verdict.authoritiesFor(CYCLONEDX)).containsExactly("release", "security");
  }

  @Test
  void unreadableEnvelopesAndStatementsAreNamedByTheirLabel() {
    byte[] notAStatement = "{\"critical\":{}}".getBytes(StandardCharsets.UTF_8);
    FoundAttestations found =
        new FoundAttestations(
            List.of(
                new AttestationCandidate("a", bytes("not json"), CYCLONEDX),
                new AttestationCandidate("b", envelope(notAStatement, ALICE_SIGNS), CYCLONEDX)),
            List.of());

    AttestationVerdict verdict = check.check(IMAGE, found, TRUSTED);

    assertThat(verdict.rejectionsFor(CYCLONEDX))
        .extracting(AttestationRejection::message)
        .containsExactly(
            "a: unparseable envelope (not valid JSON)", "b: unparseable statement (has no _type)");
  }

  @Test
  void staysWithinTheLimits() {
    AttestationCheck strict = new AttestationCheck(new AttestationLimits(2, 2000, 10_000, 4));
    byte[] genuine = envelope(statement(CYCLONEDX, IMAGE), ALICE_SIGNS);
    byte[] big = envelope(statement(SLSA_02, IMAGE, "\"" + "x".repeat(2000) + "\""), ALICE_SIGNS);

    AttestationVerdict verdict =
        strict.check(IMAGE, found(big, genuine, genuine, genuine), TRUSTED);

    assertThat(verdict.verified()).containsOnlyKeys(CYCLONEDX);
    assertThat(reasons(verdict))
        .containsExactly(
            AttestationRejectionReason.ENVELOPE_TOO_LARGE, AttestationRejectionReason.OVER_LIMIT);
    assertThat(verdict.rejections().get(1).message())
        .isEqualTo(
            "2 more attestations: over the attestation limit"
                + " (only the first 2 attestations of an image are checked)");
    assertThat(verdict.attestationsFound()).isEqualTo(4);
  }

  @Test
  void whatSourcesCouldNotReadIsKeptAndCounted() {
    AttestationRejection unavailable =
        new AttestationRejection(
            "cosign attestation 1",
            AttestationRejectionReason.ENVELOPE_UNAVAILABLE,
            CYCLONEDX,
            "gone");

    AttestationVerdict verdict =
        check.check(IMAGE, new FoundAttestations(List.of(), List.of(unavailable)), TRUSTED);

    assertThat(verdict.rejections()).containsExactly(unavailable);
    assertThat(verdict.attestationsFound()).isEqualTo(1);
    assertThat(check.check(IMAGE, FoundAttestations.none(), TRUSTED).attestationsFound()).isZero();
  }

  @Test
  void explainsWhyARequiredAttestationIsMissing() {
    AttestationVerdict none = check.check(IMAGE, FoundAttestations.none(), TRUSTED);
    AttestationVerdict slsaOnly =
        check.check(IMAGE, found(envelope(statement(SLSA_02, IMAGE), ALICE_SIGNS)), TRUSTED);
    AttestationVerdict byBob =
        check.check(IMAGE, found(envelope(statement(CYCLONEDX, IMAGE), BOB_SIGNS)), TRUSTED);
    AttestationVerdict copied =
        check.check(
            IMAGE, found(envelope(statement(CYCLONEDX, OTHER_IMAGE), ALICE_SIGNS)), TRUSTED);
    AttestationVerdict garbage =
        check.check(
            IMAGE, found(bytes("{}"), envelope(statement(SLSA_02, IMAGE), ALICE_SIGNS)), TRUSTED);

    assertThat(none.whyNotAttested(CYCLONEDX, List.of())).isEqualTo("it has no attestations");
    assertThat(slsaOnly.whyNotAttested(CYCLONEDX, List.of()))
        .isEqualTo("it has none of that type, only " + SLSA_02);
    assertThat(byBob.whyNotAttested(CYCLONEDX, List.of("alice")))
        .isEqualTo("it is attested only by \"bob\", not by \"alice\"");
    assertThat(copied.whyNotAttested(CYCLONEDX, List.of()))
        .startsWith(
            "1 of that type does not count: a: attestation for another image (it is about ");
    assertThat(garbage.whyNotAttested(CYCLONEDX, List.of()))
        .isEqualTo(
            "it has none of that type, only "
                + SLSA_02
                + "; 1 attestation of unknown type did not count:"
                + " a: unparseable envelope (has no payloadType)");
  }

  @Test
  void summarizesForPeople() {
    AttestationVerdict verdict =
        check.check(
            IMAGE,
            found(
                envelope(statement(CYCLONEDX, IMAGE), ALICE_SIGNS),
                envelope(statement(CYCLONEDX, OTHER_IMAGE), BOB_SIGNS)),
            TRUSTED);

    assertThat(verdict.summary())
        .startsWith(
            IMAGE.shortForm()
                + " is attested: "
                + CYCLONEDX
                + " by alice; not counted: a: attestation for another image");
    assertThat(check.check(IMAGE, FoundAttestations.none(), TRUSTED).summary())
        .isEqualTo(IMAGE.shortForm() + " has no attestations");
  }

  private static byte[] inToto(byte[] statement, String... signatures) {
    return Envelopes.envelope(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement, List.of(signatures));
  }

  private static FoundAttestations found(String... envelopes) {
    List<AttestationCandidate> candidates = new ArrayList<>();
    for (String envelope : envelopes) {
      candidates.add(new AttestationCandidate("a", bytes(envelope), CYCLONEDX));
    }
    return new FoundAttestations(candidates, List.of());
  }

  private static FoundAttestations found(byte[]... envelopes) {
    List<AttestationCandidate> candidates = new ArrayList<>();
    for (byte[] envelope : envelopes) {
      candidates.add(new AttestationCandidate("a", envelope, null));
    }
    return new FoundAttestations(candidates, List.of());
  }

  private static List<AttestationRejectionReason> reasons(AttestationVerdict verdict) {
    return verdict.rejections().stream().map(AttestationRejection::reason).toList();
  }

  private static List<String> details(AttestationVerdict verdict) {
    return verdict.rejections().stream().map(AttestationRejection::detail).toList();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
