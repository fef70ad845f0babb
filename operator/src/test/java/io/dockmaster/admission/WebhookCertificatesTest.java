package io.dockmaster.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookCertificatesTest {

  private static final List<String> NAMES =
      List.of(
          "dockmaster-webhook.dockmaster.svc", "dockmaster-webhook.dockmaster.svc.cluster.local");

  @Test
  void aP256CaForAYearSignsAServingCertificateForTheNamesAndLoopback() throws Exception {
    WebhookCertificates certificates = WebhookCertificates.generate(NAMES);

    X509Certificate ca = parse(certificates.caBundlePem());
    X509Certificate serving = certificates.servingCertificate();
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(ca.getPublicKey()).isInstanceOf(ECPublicKey.class);
    assertThat(((ECPublicKey) ca.getPublicKey()).getParams().getCurve().getField().getFieldSize())
        .isEqualTo(256);
    assertThat(ca.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(Duration.between(ca.getNotBefore().toInstant(), ca.getNotAfter().toInstant()))
        .isBetween(Duration.ofDays(365), Duration.ofDays(366));
    serving.verify(ca.getPublicKey());
    assertThat(serving.getBasicConstraints()).isEqualTo(-1);
    assertThat(serving.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(serving.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(
            List.of(2, NAMES.get(0)), List.of(2, NAMES.get(1)), List.of(7, "127.0.0.1"));
  }

  @Test
  void writesTheTlsSecretFilesReadableByTheOwnerOnlyAndReturnsTheCaBundle(@TempDir Path dir)
      throws Exception {
    WebhookCertificates certificates = WebhookCertificates.generate(List.of());

    String caBundle = certificates.writeTo(dir.resolve("certs"));

    Path certs = dir.resolve("certs");
    assertThat(caBundle)
        .startsWith("-----BEGIN CERTIFICATE-----")
        .isEqualTo(certificates.caBundlePem());
    assertThat(Files.readString(certs.resolve("ca.crt"))).isEqualTo(caBundle);
    assertThat(Files.readString(certs.resolve("tls.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.resolve("tls.key"))))
        .isEqualTo("rw-------");
    try (var files = Files.list(certs)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("ca.crt", "tls.crt", "tls.key");
    }
    ServingCertificate loaded =
        ServingCertificate.parse(
            Files.readString(certs.resolve("tls.crt")), Files.readString(certs.resolve("tls.key")));
    assertThat(loaded.leaf()).isEqualTo(certificates.servingCertificate());
  }

  @Test
  void reissuingKeepsTheCaAndChangesTheServingCertificate() throws Exception {
    WebhookCertificates first = WebhookCertificates.generate(NAMES);

    WebhookCertificates second = first.reissue(NAMES);

    assertThat(second.caBundlePem()).isEqualTo(first.caBundlePem());
    assertThat(second.servingCertificate().getSerialNumber())
        .isNotEqualTo(first.servingCertificate().getSerialNumber());
    second.servingCertificate().verify(parse(first.caBundlePem()).getPublicKey());
  }

  @Test
  void aKeyFromAnotherCertificateIsRefused() {
    WebhookCertificates one = WebhookCertificates.generate(NAMES);
    WebhookCertificates other = one.reissue(NAMES);

    assertThatThrownBy(() -> ServingCertificate.parse(one.certificatePem(), other.privateKeyPem()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the private key does not belong to the certificate for CN=");
  }

  @Test
  void acceptsTheSec1KeysCertManagerWrites() throws Exception {
    WebhookCertificates certificates = WebhookCertificates.generate(NAMES);
    PrivateKeyInfo pkcs8;
    try (PEMParser parser = new PEMParser(new StringReader(certificates.privateKeyPem()))) {
      pkcs8 = (PrivateKeyInfo) parser.readObject();
    }
    // As openssl and cert-manager write it: the curve named inside the SEC1 structure.
    ECPrivateKey inner = ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
    String sec1 =
        pem(
            new PemObject(
                "EC PRIVATE KEY",
                new ECPrivateKey(
                        256,
                        inner.getKey(),
                        inner.getPublicKey(),
                        pkcs8.getPrivateKeyAlgorithm().getParameters())
                    .getEncoded()));
    assertThat(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----");

    ServingCertificate parsed = ServingCertificate.parse(certificates.certificatePem(), sec1);

    assertThat(parsed.privateKey().getAlgorithm()).isEqualTo("EC");
    assertThat(((java.security.interfaces.ECPrivateKey) parsed.privateKey()).getS())
        .isEqualTo(inner.getKey());
  }

  @Test
  void unusablePemIsExplained() {
    WebhookCertificates certificates = WebhookCertificates.generate(NAMES);

    assertThatThrownBy(() -> ServingCertificate.parse("", certificates.privateKeyPem()))
        .hasMessage("the certificate file holds no PEM certificate");
    assertThatThrownBy(() -> ServingCertificate.parse(certificates.certificatePem(), ""))
        .hasMessage("the key file holds no PEM private key");
  }

  private static String pem(PemObject object) throws Exception {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  private static X509Certificate parse(String pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }
}
