package io.dockmaster.signature;

import static io.dockmaster.signature.Payloads.cosignPayload;
import static io.dockmaster.signature.Payloads.digestOf;
import static io.dockmaster.signature.Payloads.sign;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import io.dockmaster.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile registries choose every byte of a payload and every character of a signature. Whatever
 * they choose, the check must end in a verdict, never an exception, and must only verify what a
 * trusted key really signed for this image. Seeds are fixed so a failure can be replayed.
 */
class SignatureCheckFuzzTest {

  private static final Digest IMAGE = digestOf("image");
  private static final KeyPair EC = TestKeys.ec("secp256r1");
  private static final KeyPair EC384 = TestKeys.ec("secp384r1");
  private static final KeyPair RSA = TestKeys.rsa(2048);
  private static final KeyPair ED = TestKeys.ed25519();
  private static final Map<String, TrustedKey> AUTHORITIES =
      SignatureCheckTest.authorities("ec", EC, "ec384", EC384, "rsa", RSA, "ed", ED);
  private static final String[] JSON_WORDS = {
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"critical\"",
    "\"image\"",
    "\"type\"",
    "\"identity\"",
    "\"docker-manifest-digest\"",
    "\"Docker-Manifest-Digest\"",
    "\"docker-reference\"",
    "\"cosign container image signature\"",
    "\"" + IMAGE + "\"",
    "\"sha256:\"",
    "null",
    "true",
    "-0.5e999",
    "123456789012345678901234567890",
    "\"\\u0000\"",
    "\"\\ud800\"",
    " ",
    "\"optional\""
  };

  private final SignatureCheck check = new SignatureCheck(new SignatureLimits(8, 4096));

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void anyPayloadAndSignatureEndsInAVerdict(long seed) {
    Random random = new Random(seed);
    Set<Object> seen = new HashSet<>();
    for (int round = 0; round < 50; round++) {
      List<SignatureCandidate> candidates = new ArrayList<>();
      int count = random.nextInt(12);
      for (int i = 0; i < count; i++) {
        byte[] payload = payload(random);
        candidates.add(new SignatureCandidate("c" + i, payload, signature(random, payload)));
      }

      SignatureVerdict verdict =
          check.check(IMAGE, new FoundSignatures(candidates, List.of()), AUTHORITIES);

      assertConsistent(verdict, candidates);
      seen.add(verdict.outcome());
      verdict.rejections().forEach(r -> seen.add(r.reason()));
    }
    // Otherwise the fuzzing proves little.
    assertThat(seen)
        .contains(
            SignatureVerdict.Outcome.VERIFIED,
            SignatureVerdict.Outcome.UNTRUSTED,
            SignatureVerdict.Outcome.UNSIGNED,
            RejectionReason.BAD_SIGNATURE,
            RejectionReason.UNPARSEABLE_PAYLOAD,
            RejectionReason.DIGEST_MISMATCH,
            RejectionReason.NO_KEY_MATCHED,
            RejectionReason.PAYLOAD_TOO_LARGE,
            RejectionReason.OVER_LIMIT);
  }

  private void assertConsistent(SignatureVerdict verdict, List<SignatureCandidate> candidates) {
    assertThat(verdict.signaturesFound()).isEqualTo(candidates.size());
    assertThat(verdict.summary()).isNotBlank();
    for (Rejection rejection : verdict.rejections()) {
      assertThat(rejection.message()).hasSizeLessThan(400);
    }
    int considered = Math.min(candidates.size(), 8);
    long rejected =
        verdict.rejections().stream().filter(r -> r.reason() != RejectionReason.OVER_LIMIT).count();
    long accepted = candidates.stream().limit(considered).filter(this::isGenuine).count();
    assertThat(rejected + accepted).isEqualTo(considered);
    assertThat(verdict.outcome() == SignatureVerdict.Outcome.VERIFIED).isEqualTo(accepted > 0);
  }

  /** The oracle: parses as a payload for IMAGE, and some trusted key signed exactly these bytes. */
  private boolean isGenuine(SignatureCandidate candidate) {
    try {
      if (!SimpleSigningPayload.parse(candidate.payload()).manifestDigest().equals(IMAGE)) {
        return false;
      }
      byte[] signature =
          Base64.getDecoder().decode(candidate.signature().replace("\r", "").replace("\n", ""));
      return AUTHORITIES.values().stream()
          .anyMatch(key -> SignatureSchemes.verifies(key.key(), candidate.payload(), signature));
    } catch (InvalidPayloadException | RuntimeException e) {
      return false;
    }
  }

  private static byte[] payload(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> randomBytes(random, random.nextInt(300));
      case 1 -> randomBytes(random, 4000 + random.nextInt(200)); // around the limit
      case 2 -> jsonSoup(random).getBytes(StandardCharsets.UTF_8);
      case 3 -> mutate(random, cosignPayload(IMAGE));
      case 4 -> cosignPayload(random.nextBoolean() ? IMAGE : digestOf("other" + random.nextInt()));
      default -> new byte[0];
    };
  }

  private static String signature(Random random, byte[] payload) {
    return switch (random.nextInt(7)) {
      case 0 -> null;
      case 1 -> Base64.getEncoder().encodeToString(randomBytes(random, random.nextInt(600)));
      case 2 -> new String(randomBytes(random, random.nextInt(100)), StandardCharsets.ISO_8859_1);
      case 3 -> sign(EC.getPrivate(), "SHA256withECDSA", payload);
      case 4 -> sign(RSA.getPrivate(), "SHA256withRSA", payload);
      case 5 -> sign(ED.getPrivate(), "Ed25519", payload);
      default -> flipBase64(random, sign(EC384.getPrivate(), "SHA384withECDSA", payload));
    };
  }

  private static String jsonSoup(Random random) {
    StringBuilder json = new StringBuilder();
    int words = random.nextInt(60);
    for (int i = 0; i < words; i++) {
      json.append(JSON_WORDS[random.nextInt(JSON_WORDS.length)]);
    }
    return json.toString();
  }

  private static byte[] mutate(Random random, byte[] payload) {
    byte[] copy = payload.clone();
    int mutations = 1 + random.nextInt(4);
    for (int i = 0; i < mutations; i++) {
      copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
    }
    return random.nextInt(4) == 0
        ? java.util.Arrays.copyOf(copy, random.nextInt(copy.length))
        : copy;
  }

  private static String flipBase64(Random random, String base64) {
    byte[] signature = Base64.getDecoder().decode(base64);
    if (random.nextBoolean()) {
      signature[random.nextInt(signature.length)] ^= (byte) (1 << random.nextInt(8));
    }
    return Base64.getEncoder().encodeToString(signature);
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }
}
