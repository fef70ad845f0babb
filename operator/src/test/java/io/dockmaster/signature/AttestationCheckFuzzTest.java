package io.dockmaster.signature;

import static io.dockmaster.signature.Envelopes.CYCLONEDX;
import static io.dockmaster.signature.Envelopes.SLSA_02;
import static io.dockmaster.signature.Payloads.digestOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import io.dockmaster.signature.Envelopes.Signer;
import io.dockmaster.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile registries choose every byte of an envelope. Whatever they choose, the check must end in
 * a verdict, never an exception, and must only credit what a trusted key really signed about this
 * image. Seeds are fixed so a failure can be replayed.
 */
class AttestationCheckFuzzTest {

  private static final Digest IMAGE = digestOf("image");
  private static final KeyPair EC = TestKeys.ec("secp256r1");
  private static final KeyPair EC521 = TestKeys.ec("secp521r1");
  private static final KeyPair RSA = TestKeys.rsa(2048);
  private static final KeyPair ED = TestKeys.ed25519();
  private static final Map<String, TrustedKey> AUTHORITIES =
      Envelopes.authorities("ec", EC, "ec521", EC521, "rsa", RSA, "ed", ED);
  private static final List<Signer> SIGNERS =
      List.of(
          new Signer(EC.getPrivate(), "SHA256withECDSA"),
          new Signer(EC521.getPrivate(), "SHA512withECDSA"),
          new Signer(RSA.getPrivate(), "SHA256withRSA"),
          Signer.ed25519ph(ED.getPrivate()),
          new Signer(TestKeys.ec("secp256r1").getPrivate(), "SHA256withECDSA"));
  private static final String[] JSON_WORDS = {
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"payloadType\"",
    "\"payload\"",
    "\"signatures\"",
    "\"sig\"",
    "\"keyid\"",
    "\"" + DsseEnvelope.IN_TOTO_PAYLOAD_TYPE + "\"",
    "\"_type\"",
    "\"subject\"",
    "\"digest\"",
    "\"sha256\"",
    "\"" + IMAGE.hex() + "\"",
    "\"predicateType\"",
    "\"predicate\"",
    "\"https://in-toto.io/Statement/v0.1\"",
    "\"" + CYCLONEDX + "\"",
    "\"eyJ9\"",
    "\"AAAA\"",
    "null",
    "true",
    "-0.5e999",
    "123456789012345678901234567890",
    "\"\\u0000\"",
    "\"\\ud800\"",
    " "
  };

  private final AttestationCheck check =
      new AttestationCheck(new AttestationLimits(8, 6000, 100_000, 3));

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void anyEnvelopeEndsInAVerdict(long seed) {
    Random random = new Random(seed);
    Set<Object> seen = new HashSet<>();
    for (int round = 0; round < 25; round++) {
      List<AttestationCandidate> candidates = new ArrayList<>();
      int count = random.nextInt(11);
      for (int i = 0; i < count; i++) {
        candidates.add(
            new AttestationCandidate(
                "c" + i, envelope(random), random.nextBoolean() ? CYCLONEDX : null));
      }

      AttestationVerdict verdict =
          check.check(IMAGE, new FoundAttestations(candidates, List.of()), AUTHORITIES);

      assertConsistent(verdict, candidates);
      verdict.rejections().forEach(r -> seen.add(r.reason()));
      seen.add(verdict.verified().isEmpty() ? "none verified" : "some verified");
    }
    // Otherwise the fuzzing proves little.
    assertThat(seen)
        .contains(
            "none verified",
            "some verified",
            AttestationRejectionReason.BAD_SIGNATURE,
            AttestationRejectionReason.UNPARSEABLE_ENVELOPE,
            AttestationRejectionReason.UNPARSEABLE_STATEMENT,
            AttestationRejectionReason.WRONG_PAYLOAD_TYPE,
            AttestationRejectionReason.SUBJECT_MISMATCH,
            AttestationRejectionReason.NO_KEY_MATCHED,
            AttestationRejectionReason.ENVELOPE_TOO_LARGE,
            AttestationRejectionReason.OVER_LIMIT);
  }

  private void assertConsistent(AttestationVerdict verdict, List<AttestationCandidate> candidates) {
    assertThat(verdict.attestationsFound()).isEqualTo(candidates.size());
    assertThat(verdict.summary()).isNotBlank();
    assertThat(verdict.whyNotAttested(CYCLONEDX, List.of("ec"))).isNotBlank();
    for (AttestationRejection rejection : verdict.rejections()) {
      assertThat(rejection.message()).hasSizeLessThan(400);
    }
    int considered = Math.min(candidates.size(), 8);
    long rejected =
        verdict.rejections().stream()
            .filter(r -> r.reason() != AttestationRejectionReason.OVER_LIMIT)
            .count();
    List<String> genuineTypes =
        candidates.stream()
            .limit(considered)
            .map(this::genuineType)
            .filter(t -> t != null)
            .toList();
    assertThat(rejected + genuineTypes.size()).isEqualTo(considered);
    assertThat(verdict.verified().keySet()).isEqualTo(new HashSet<>(genuineTypes));
  }

  /**
   * The oracle, built from the parsers and the plain JCA schemes rather than the check: the
   * statement's predicate type if the envelope is an in-toto statement about IMAGE that a trusted
   * key signed (among its first three signatures), else null.
   */
  private String genuineType(AttestationCandidate candidate) {
    try {
      if (candidate.size() > 6000) {
        return null;
      }
      DsseEnvelope envelope = DsseEnvelope.parse(candidate.envelope());
      InTotoStatement statement = InTotoStatement.parse(envelope.payload());
      if (!envelope.payloadType().equals(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE)
          || !statement.covers(IMAGE)) {
        return null;
      }
      for (DsseEnvelope.Signature signature : envelope.signatures().stream().limit(3).toList()) {
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(signature.sig());
        } catch (IllegalArgumentException e) {
          continue;
        }
        for (TrustedKey key : AUTHORITIES.values()) {
          if (SignatureSchemes.verifies(key.key(), envelope.pae(), bytes)) {
            return statement.predicateType();
          }
        }
      }
      return null;
    } catch (InvalidAttestationException | RuntimeException e) {
      return null;
    }
  }

  private static byte[] envelope(Random random) {
    return switch (random.nextInt(9)) {
      case 0 -> randomBytes(random, random.nextInt(300));
      case 1 -> jsonSoup(random).getBytes(StandardCharsets.UTF_8);
      case 2 -> mutate(random, signed(random, IMAGE));
      case 3 -> signed(random, random.nextBoolean() ? IMAGE : digestOf("other" + random.nextInt()));
      case 4 -> signed(random, IMAGE, "\"" + "x".repeat(4000 + random.nextInt(2000)) + "\"");
      case 5 ->
          Envelopes.envelope(
              DsseEnvelope.IN_TOTO_PAYLOAD_TYPE,
              jsonSoup(random).getBytes(StandardCharsets.UTF_8),
              signatures(random, Envelopes.statement(CYCLONEDX, IMAGE)));
      case 6 ->
          Envelopes.envelope(
              "text/plain",
              Envelopes.statement(CYCLONEDX, IMAGE),
              signatures(random, Envelopes.statement(CYCLONEDX, IMAGE)));
      case 7 -> new byte[0];
      default -> signed(random, IMAGE);
    };
  }

  private static byte[] signed(Random random, Digest subject) {
    return signed(random, subject, "{}");
  }

  private static byte[] signed(Random random, Digest subject, String predicate) {
    byte[] statement =
        Envelopes.statement(random.nextBoolean() ? CYCLONEDX : SLSA_02, subject, predicate);
    return Envelopes.envelope(
        DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement, signatures(random, statement));
  }

  private static List<String> signatures(Random random, byte[] statement) {
    List<String> signatures = new ArrayList<>();
    int count = random.nextInt(5);
    for (int i = 0; i < count; i++) {
      signatures.add(
          switch (random.nextInt(5)) {
            case 0 -> "";
            case 1 -> Base64.getEncoder().encodeToString(randomBytes(random, random.nextInt(600)));
            case 2 -> "%" + random.nextInt();
            default ->
                SIGNERS
                    .get(random.nextInt(SIGNERS.size()))
                    .sign(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement);
          });
    }
    return signatures;
  }

  private static String jsonSoup(Random random) {
    StringBuilder json = new StringBuilder();
    int words = random.nextInt(60);
    for (int i = 0; i < words; i++) {
      json.append(JSON_WORDS[random.nextInt(JSON_WORDS.length)]);
    }
    return json.toString();
  }

  private static byte[] mutate(Random random, byte[] envelope) {
    byte[] copy = envelope.clone();
    int mutations = 1 + random.nextInt(4);
    for (int i = 0; i < mutations; i++) {
      copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
    }
    return random.nextInt(4) == 0 ? Arrays.copyOf(copy, random.nextInt(copy.length)) : copy;
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }
}
