package io.dockmaster.admission;

import io.dockmaster.pki.CertificateAuthority;
import io.dockmaster.pki.Pem;
import io.dockmaster.pki.X500Names;
import io.dockmaster.webhooktls.CertificateIssuer;
import io.dockmaster.webhooktls.KeyedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A self-signed CA and a serving certificate signed by it, for runs where nothing else (such as
 * cert-manager) provides the webhook's certificate: ECDSA P-256, valid one year, the serving
 * certificate as service mode issues it ({@link CertificateIssuer#serving}). Files use the names of
 * a Kubernetes TLS Secret, so the server reads both from a directory the same way.
 */
public final class WebhookCertificates {

  public static final String CA_FILE = "ca.crt";
  public static final String CERT_FILE = "tls.crt";
  public static final String KEY_FILE = "tls.key";

  /** Always a SAN, so the API server can call a local run at https://127.0.0.1. */
  public static final String LOOPBACK_IP = CertificateIssuer.LOOPBACK_IP;

  private static final Duration VALIDITY = Duration.ofDays(365);

  /** Tolerates clocks a little behind ours (the API server's, in another VM). */
  private static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final String CA_NAME = "dockmaster-webhook-ca";

  private final KeyedCertificate ca;
  private final KeyedCertificate serving;
  private final CertificateIssuer issuer;

  private WebhookCertificates(
      KeyedCertificate ca, KeyedCertificate serving, CertificateIssuer issuer) {
    this.ca = ca;
    this.serving = serving;
    this.issuer = issuer;
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
    Instant now = clock.instant();
    CertificateAuthority ca =
        CertificateAuthority.selfSigned(
            X500Names.commonName(CA_NAME), now.minus(BACKDATE), now.plus(VALIDITY));
    return new WebhookCertificates(
            new KeyedCertificate(ca.certificate(), ca.key()), null, new CertificateIssuer(clock))
        .reissue(dnsNames);
  }

  /** A new serving certificate and key from the same CA, as a rotation would produce. */
  public WebhookCertificates reissue(List<String> dnsNames) {
    return new WebhookCertificates(ca, issuer.serving(ca, dnsNames, VALIDITY), issuer);
  }

  /** The PEM for {@code caBundle} (the ValidatingWebhookConfiguration base64-encodes it). */
  public String caBundlePem() {
    return Pem.certificate(ca.certificate());
  }

  public String certificatePem() {
    return Pem.certificate(serving.certificate());
  }

  public String privateKeyPem() {
    return Pem.privateKey(serving.key());
  }

  public X509Certificate servingCertificate() {
    return serving.certificate();
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
}
