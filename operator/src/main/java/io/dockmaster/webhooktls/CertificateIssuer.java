package io.dockmaster.webhooktls;

import io.dockmaster.pki.CertificateAuthority;
import io.dockmaster.pki.LeafCertificate;
import io.dockmaster.pki.P256Keys;
import io.dockmaster.pki.X500Names;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * Issues the webhook's CAs and serving certificates: ECDSA P-256, backdated by {@link
 * Lifetime#backdate}, serving certificates never outliving their CA. The serving profile is also
 * the local mode's ({@code admission.WebhookCertificates}).
 */
public final class CertificateIssuer {

  /** Always a SAN, so the API server can also call a run on this machine at https://127.0.0.1. */
  public static final String LOOPBACK_IP = "127.0.0.1";

  private final Clock clock;

  public CertificateIssuer(Clock clock) {
    this.clock = clock;
  }

  KeyedCertificate authority(String commonName, Duration validity) {
    // X.509 times have whole seconds; Lifetime reads the issue time back from them exactly.
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    validity = Duration.ofSeconds(validity.getSeconds());
    X500Name name =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "dockmaster")
            .addRDN(BCStyle.CN, commonName + " " + now.getEpochSecond())
            .build();
    CertificateAuthority authority =
        CertificateAuthority.selfSigned(
            name, now.minus(Lifetime.backdate(validity)), now.plus(validity));
    return new KeyedCertificate(authority.certificate(), authority.key());
  }

  /**
   * A new key and a server certificate for the DNS names and {@value #LOOPBACK_IP}, named after the
   * first DNS name.
   *
   * @throws IllegalStateException when the authority has ended
   */
  public KeyedCertificate serving(
      KeyedCertificate authority, List<String> dnsNames, Duration validity) {
    CertificateAuthority signer =
        new CertificateAuthority(authority.certificate(), authority.key());
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant notAfter = signer.endNoLaterThan(now.plusSeconds(validity.getSeconds()));
    if (!notAfter.isAfter(now)) {
      throw new IllegalStateException(
          "cannot issue a webhook serving certificate from a CA that ended at "
              + signer.notAfter());
    }
    KeyPair keys = P256Keys.generate();
    String commonName = dnsNames.isEmpty() ? LOOPBACK_IP : dnsNames.get(0);
    X509Certificate certificate =
        LeafCertificate.forKey(
                keys.getPublic(),
                X500Names.commonName(commonName),
                now.minus(Lifetime.backdate(Duration.between(now, notAfter))),
                notAfter)
            .keyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement)
            .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth)
            .dnsNames(dnsNames)
            .ipAddress(LOOPBACK_IP)
            .signedBy(signer);
    return new KeyedCertificate(certificate, keys.getPrivate());
  }
}
