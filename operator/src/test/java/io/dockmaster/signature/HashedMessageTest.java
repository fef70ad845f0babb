package io.dockmaster.signature;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.testing.TestKeys;
import java.security.KeyPair;
import java.security.spec.EdDSAParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HashedMessage} verifies prehashed; {@link SignatureSchemes} the plain JCA way. They must
 * agree on every scheme cosign signs with, and on everything else.
 */
class HashedMessageTest {

  private static final KeyPair P256 = TestKeys.ec("secp256r1");
  private static final KeyPair P384 = TestKeys.ec("secp384r1");
  private static final KeyPair P521 = TestKeys.ec("secp521r1");
  private static final KeyPair RSA = TestKeys.rsa(2048);
  private static final KeyPair ED = TestKeys.ed25519();

  /** Each key with each scheme a signature of it may come in, accepted by cosign or not. */
  private static final List<Scheme> SCHEMES =
      List.of(
          new Scheme(P256, "SHA256withECDSA", null, true),
          new Scheme(P256, "SHA384withECDSA", null, false),
          new Scheme(P384, "SHA256withECDSA", null, true),
          new Scheme(P384, "SHA384withECDSA", null, true),
          new Scheme(P384, "SHA512withECDSA", null, false),
          new Scheme(P521, "SHA256withECDSA", null, true),
          new Scheme(P521, "SHA512withECDSA", null, true),
          new Scheme(P521, "SHA384withECDSA", null, false),
          new Scheme(RSA, "SHA256withRSA", null, true),
          new Scheme(RSA, "SHA512withRSA", null, false),
          new Scheme(ED, "Ed25519", null, true),
          new Scheme(ED, "Ed25519", new EdDSAParameterSpec(true), true));

  private record Scheme(
      KeyPair keys, String algorithm, EdDSAParameterSpec parameters, boolean accepted) {}

  @Test
  void agreesWithSignatureSchemesOnEveryScheme() {
    Random random = new Random(7);
    for (int round = 0; round < 8; round++) {
      byte[] message = new byte[random.nextInt(3000)];
      random.nextBytes(message);
      for (Scheme scheme : SCHEMES) {
        byte[] signature = sign(scheme, message);
        HashedMessage hashed = new HashedMessage(message);

        assertThat(hashed.verifiedBy(scheme.keys().getPublic(), signature))
            .as("%s %s", scheme.algorithm(), scheme.keys().getPublic().getAlgorithm())
            .isEqualTo(scheme.accepted())
            .isEqualTo(SignatureSchemes.verifies(scheme.keys().getPublic(), message, signature));
      }
    }
  }

  @Test
  void aSignatureOverOtherBytesOrByAnotherKeyDoesNotVerify() {
    byte[] message = "DSSEv1 1 t 1 x".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] changed = message.clone();
    changed[changed.length - 1] ^= 1;
    for (Scheme scheme : SCHEMES.stream().filter(Scheme::accepted).toList()) {
      byte[] signature = sign(scheme, message);

      assertThat(new HashedMessage(changed).verifiedBy(scheme.keys().getPublic(), signature))
          .isFalse();
      for (KeyPair other : List.of(P256, P384, P521, RSA, ED)) {
        if (other != scheme.keys()) {
          assertThat(new HashedMessage(message).verifiedBy(other.getPublic(), signature)).isFalse();
        }
      }
    }
  }

  @Test
  void junkIsNeverASignatureAndNeverAnException() {
    Random random = new Random(11);
    HashedMessage message = new HashedMessage(new byte[] {1, 2, 3});
    for (int i = 0; i < 300; i++) {
      byte[] junk = new byte[random.nextInt(600)];
      random.nextBytes(junk);
      for (KeyPair keys : List.of(P256, P384, P521, RSA, ED)) {
        assertThat(message.verifiedBy(keys.getPublic(), junk)).isFalse();
      }
    }
  }

  @Test
  void hashesTheMessageOncePerAlgorithmWhateverTheNumberOfKeys() {
    byte[] message = new byte[1024];
    HashedMessage hashed = new HashedMessage(message);
    byte[] signature = sign(SCHEMES.get(0), message);
    for (int i = 0; i < 5; i++) {
      assertThat(hashed.verifiedBy(P256.getPublic(), signature)).isTrue();
    }
    // Changing the array after the first verification goes unnoticed: the hash is kept.
    message[0] = 1;
    assertThat(hashed.verifiedBy(P256.getPublic(), signature)).isTrue();
  }

  private static byte[] sign(Scheme scheme, byte[] message) {
    return Base64.getDecoder()
        .decode(
            Payloads.sign(
                scheme.keys().getPrivate(), scheme.algorithm(), scheme.parameters(), message));
  }
}
