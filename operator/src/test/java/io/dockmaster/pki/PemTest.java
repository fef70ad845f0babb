package io.dockmaster.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;

class PemTest {

  private static final TestChain CHAIN = TestChain.issue("a.example");

  @Test
  void certificatesReadBackInOrder() {
    String pem = Pem.certificates(List.of(CHAIN.leaf(), CHAIN.authority().certificate()));

    assertThat(pem)
        .startsWith("-----BEGIN CERTIFICATE-----\n")
        .endsWith("-----END CERTIFICATE-----\n");
    assertThat(Pem.readCertificates(pem, "tls.crt"))
        .containsExactly(CHAIN.leaf(), CHAIN.authority().certificate());
    assertThat(Pem.readChain(Pem.certificate(CHAIN.leaf()), "tls.crt"))
        .containsExactly(CHAIN.leaf());
  }

  @Test
  void textWithoutCertificatesIsAnEmptyBundleButNoChain() {
    assertThat(Pem.readCertificates("", "key ca.crt")).isEmpty();
    assertThat(Pem.readCertificates(Pem.privateKey(CHAIN.privateKey()), "key ca.crt")).isEmpty();

    assertThatThrownBy(() -> Pem.readChain("", "key tls.crt"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key tls.crt holds no PEM certificate");
    assertThatThrownBy(() -> Pem.readChain(null, "ca.crt"))
        .hasMessage("ca.crt holds no PEM certificate");
  }

  @Test
  void malformedPemIsNamedWithWhatWasRead() {
    String badBase64 = "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n";
    String unterminated = "-----BEGIN CERTIFICATE-----\nMIIB\n";
    String notDer = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    for (String pem : List.of(badBase64, unterminated, notDer)) {
      assertThatThrownBy(() -> Pem.readCertificates(pem, "the caBundle"))
          .as(pem)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("the caBundle is not valid PEM: ");
    }
    assertThatThrownBy(() -> Pem.readPrivateKey(unterminated, "key tls.key"))
        .hasMessageStartingWith("key tls.key is not valid PEM: ");
  }

  @Test
  void aPkcs8KeyReadsBack() {
    String pem = Pem.privateKey(CHAIN.privateKey());

    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(Pem.readPrivateKey(pem, "tls.key").getEncoded())
        .isEqualTo(CHAIN.privateKey().getEncoded());
  }

  @Test
  void theSec1AndPkcs1FormsOpensslWritesAreRead() throws Exception {
    KeyPair rsa = rsa();
    String sec1 = pem("EC PRIVATE KEY", sec1(CHAIN.privateKey()));
    String pkcs1 =
        pem(
            "RSA PRIVATE KEY",
            PrivateKeyInfo.getInstance(rsa.getPrivate().getEncoded())
                .parsePrivateKey()
                .toASN1Primitive()
                .getEncoded());

    assertThat(((java.security.interfaces.ECPrivateKey) Pem.readPrivateKey(sec1, "tls.key")).getS())
        .isEqualTo(((java.security.interfaces.ECPrivateKey) CHAIN.privateKey()).getS());
    assertThat(Pem.readPrivateKey(pkcs1, "tls.key").getEncoded())
        .isEqualTo(rsa.getPrivate().getEncoded());
  }

  @Test
  void aKeyIsFoundAfterOtherBlocks() {
    String both = Pem.certificate(CHAIN.leaf()) + Pem.privateKey(CHAIN.privateKey());

    assertThat(Pem.readPrivateKey(both, "tls.pem").getEncoded())
        .isEqualTo(CHAIN.privateKey().getEncoded());
  }

  @Test
  void encryptedAndMissingKeysAreExplained() throws Exception {
    StringWriter encrypted = new StringWriter();
    try (PemWriter writer = new PemWriter(encrypted)) {
      writer.writeObject(
          new JcaPKCS8Generator(
              CHAIN.privateKey(),
              new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                  .setProvider(new BouncyCastleProvider())
                  .setPassword("secret".toCharArray())
                  .build()));
    }
    assertThat(encrypted.toString()).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");

    assertThatThrownBy(() -> Pem.readPrivateKey(encrypted.toString(), "the key file"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the key file holds an encrypted private key; store it unencrypted"
                + " (openssl pkey -in encrypted.key -out plain.key)");
    assertThatThrownBy(() -> Pem.readPrivateKey(Pem.certificate(CHAIN.leaf()), "the key file"))
        .hasMessage("the key file holds no PEM private key");
    assertThatThrownBy(() -> Pem.readPrivateKey("", "key ca.key"))
        .hasMessage("key ca.key holds no PEM private key");
  }

  @Test
  void certificateRequestsReadBack() throws Exception {
    PKCS10CertificationRequest request =
        new JcaPKCS10CertificationRequestBuilder(
                X500Names.commonName("dockmaster-agent:node-1"), CHAIN.leafKeys().getPublic())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(CHAIN.privateKey()));

    String pem = Pem.request(request);

    assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----\n");
    assertThat(Pem.readRequest(pem, "spec.request").getEncoded()).isEqualTo(request.getEncoded());
    assertThatThrownBy(() -> Pem.readRequest(Pem.certificate(CHAIN.leaf()), "spec.request"))
        .hasMessage(
            "spec.request holds no PEM block \"CERTIFICATE REQUEST\" (a PKCS#10 certificate"
                + " request)");
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  /** As openssl writes it: the curve named inside the SEC1 structure. */
  private static byte[] sec1(PrivateKey key) throws Exception {
    PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(key.getEncoded());
    ECPrivateKey inner = ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
    return new ECPrivateKey(
            256,
            inner.getKey(),
            inner.getPublicKey(),
            pkcs8.getPrivateKeyAlgorithm().getParameters())
        .getEncoded();
  }

  private static String pem(String type, byte[] content) throws Exception {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(new PemObject(type, content));
    }
    return out.toString();
  }
}
