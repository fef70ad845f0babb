package io.dockmaster.admission;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A self-signed CA and a serving certificate signed by it, for runs where nothing else (such as
 * cert-manager) provides the webhook's certificate: ECDSA P-256, valid one year. Files use the
 * names of a Kubernetes TLS Secret, so the server reads both from a directory the same way.
 */
public final class WebhookCertificates {

  public static final String CA_FILE = "ca.crt";
  public static final String CERT_FILE = "tls.crt";
  public static final String KEY_FILE = "tls.key";

  /** Always a SAN, so the API server can call a local run at https://127.0.0.1. */
  public static final String LOOPBACK_IP = "127.0.0.1";

  private static final Duration VALIDITY = Duration.ofDays(365);

  /** Tolerates clocks a little behind ours (the API server's, in another VM). */
  private static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final String SIGNATURE = "SHA256withECDSA";

  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final KeyPair servingKeys;
  private final X509Certificate serving;
  private final Clock clock;

  private WebhookCertificates(
      KeyPair caKeys,
      X509Certificate ca,
      KeyPair servingKeys,
      X509Certificate serving,
      Clock clock) {
    this.caKeys = caKeys;
    this.ca = ca;
    this.servingKeys = servingKeys;
    this.serving = serving;
    this.clock = clock;
  }

  /**
   * A new CA and a serving certificate for these DNS names and {@value #LOOPBACK_IP}.
   *
   * @param dnsNames e.g. {@code dockmaster-webhook.dockmaster.svc}; may be empty for a local run
   */
  public static WebhookCertificates generate(List<String> dnsNames) {
    return generate(dnsNames, Clock.systemUTC());
  }

  public static WebhookCertificates generate(List<String> dnsNames, Clock clock) {
    KeyPair caKeys = p256();
    X500Name caName = new X500Name("CN=dockmaster-webhook-ca");
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  caName,
                  serial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(now.plus(VALIDITY)),
                  caName,
                  caKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(caKeys.getPublic()));
      X509Certificate ca = sign(builder, caKeys);
      return new WebhookCertificates(caKeys, ca, null, null, clock).reissue(dnsNames);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the webhook CA", e);
    }
  }

  /** A new serving certificate and key from the same CA, as a rotation would produce. */
  public WebhookCertificates reissue(List<String> dnsNames) {
    KeyPair keys = p256();
    Instant now = clock.instant();
    Instant notAfter = now.plus(VALIDITY);
    if (notAfter.isAfter(ca.getNotAfter().toInstant())) {
      notAfter = ca.getNotAfter().toInstant();
    }
    List<GeneralName> names = new ArrayList<>();
    dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
    names.add(new GeneralName(GeneralName.iPAddress, LOOPBACK_IP));
    String commonName = dnsNames.isEmpty() ? LOOPBACK_IP : dnsNames.get(0);
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  ca,
                  serial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(notAfter),
                  new X500Name("CN=" + commonName),
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(names.toArray(GeneralName[]::new)))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(ca));
      return new WebhookCertificates(caKeys, ca, keys, sign(builder, caKeys), clock);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the webhook serving certificate", e);
    }
  }

  /** The PEM for {@code caBundle} (the ValidatingWebhookConfiguration base64-encodes it). */
  public String caBundlePem() {
    return pem(ca);
  }

  public String certificatePem() {
    return pem(serving);
  }

  public String privateKeyPem() {
    // PKCS#8, the form every TLS stack reads.
    return pem(new PemObject("PRIVATE KEY", servingKeys.getPrivate().getEncoded()));
  }

  public X509Certificate servingCertificate() {
    return serving;
  }

  /**
   * Writes {@value #CA_FILE}, {@value #CERT_FILE} and {@value #KEY_FILE} (owner-only) into the
   * directory, each by an atomic rename so a watching server never reads half a file.
   *
   * @return the CA bundle PEM
   */
  public String writeTo(Path directory) {
    try {
      Files.createDirectories(directory);
      write(directory.resolve(CA_FILE), caBundlePem());
      write(directory.resolve(KEY_FILE), privateKeyPem());
      write(directory.resolve(CERT_FILE), certificatePem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the webhook certificates to " + directory, e);
    }
    return caBundlePem();
  }

  private static void write(Path file, String content) throws IOException {
    Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system; the directory's permissions are all we have.
      }
      Files.writeString(temporary, content, StandardCharsets.US_ASCII);
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder(SIGNATURE).build(issuer.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair p256() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a P-256 key", e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, new SecureRandom());
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
