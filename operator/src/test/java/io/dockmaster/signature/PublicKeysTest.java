package io.dockmaster.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.testing.TestKeys;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.Test;

class PublicKeysTest {

  @Test
  void readsTheKeyTypesCosignUses() {
    assertThat(PublicKeys.parse(TestKeys.publicPem(TestKeys.ec("secp256r1"))).description())
        .isEqualTo("ECDSA P-256");
    assertThat(PublicKeys.parse(TestKeys.publicPem(TestKeys.ec("secp384r1"))).description())
        .isEqualTo("ECDSA P-384");
    assertThat(PublicKeys.parse(TestKeys.publicPem(TestKeys.rsa(2048))).description())
        .isEqualTo("RSA 2048");
    assertThat(PublicKeys.parse(TestKeys.publicPem(TestKeys.ed25519())).description())
        .isEqualTo("Ed25519");
  }

  @Test
  void parsedKeyIsTheKeyThatWasEncoded() {
    KeyPair pair = TestKeys.ec("secp256r1");

    assertThat(PublicKeys.parse(TestKeys.publicPem(pair)).key().getEncoded())
        .isEqualTo(pair.getPublic().getEncoded());
  }

  @Test
  void readsPkcs1RsaKeys() {
    KeyPair pair = TestKeys.rsa(2048);
    RSAPublicKey rsa = (RSAPublicKey) pair.getPublic();
    String pkcs1 =
        TestKeys.pem(
            new org.bouncycastle.util.io.pem.PemObject(
                "RSA PUBLIC KEY",
                uncheckedEncode(
                    new org.bouncycastle.asn1.pkcs.RSAPublicKey(
                        rsa.getModulus(), rsa.getPublicExponent()))));

    assertThat(PublicKeys.parse(pkcs1).key().getEncoded()).isEqualTo(rsa.getEncoded());
  }

  @Test
  void refusesAPrivateKeyAndSaysWhy() {
    String privatePem = TestKeys.pem(TestKeys.ec("secp256r1"));

    assertThatThrownBy(() -> PublicKeys.parse(privatePem))
        .isInstanceOf(InvalidPublicKeyException.class)
        .hasMessage("holds a private key, not a public key; never put a private key here");
  }

  @Test
  void refusesWeakRsa() {
    assertThatThrownBy(() -> PublicKeys.parse(TestKeys.publicPem(TestKeys.rsa(1024))))
        .hasMessage("is an RSA key of 1024 bits, too weak; use at least 2048");
  }

  @Test
  void refusesUnsupportedCurves() {
    assertThatThrownBy(() -> PublicKeys.parse(TestKeys.publicPem(TestKeys.ec("secp256k1"))))
        .hasMessageContaining("unsupported curve; use P-256");
  }

  @Test
  void refusesTextThatIsNoKey() {
    assertThatThrownBy(() -> PublicKeys.parse("hello"))
        .hasMessage("holds no PEM block; expected -----BEGIN PUBLIC KEY-----");
    assertThatThrownBy(
            () -> PublicKeys.parse("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
        .hasMessageContaining("not a readable PEM public key");
    assertThatThrownBy(() -> PublicKeys.parse(" ")).hasMessageContaining("is empty");
  }

  private static byte[] uncheckedEncode(org.bouncycastle.asn1.ASN1Object object) {
    try {
      return object.getEncoded();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
