package io.dockmaster.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
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
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * An end-entity certificate to be signed: subject, key and validity, then the usages and names the
 * caller decides. Always basicConstraints CA:FALSE and the authority key identifier; key usage when
 * set (critical); extended key usage, subject alternative names and subject key identifier when
 * asked for.
 */
public final class LeafCertificate {

  private final PublicKey key;
  private final X500Name subject;
  private final Instant notBefore;
  private final Instant notAfter;
  private int keyUsage;
  private KeyPurposeId[] purposes = {};
  private final List<GeneralName> alternativeNames = new ArrayList<>();
  private boolean subjectKeyIdentifier;

  private LeafCertificate(PublicKey key, X500Name subject, Instant notBefore, Instant notAfter) {
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException(
          "a certificate for "
              + subject
              + " must end after it starts, got "
              + notBefore
              + " to "
              + notAfter);
    }
    this.key = key;
    this.subject = subject;
    this.notBefore = notBefore;
    this.notAfter = notAfter;
  }

  public static LeafCertificate forKey(
      PublicKey key, X500Name subject, Instant notBefore, Instant notAfter) {
    return new LeafCertificate(key, subject, notBefore, notAfter);
  }

  /**
   * @param bits {@link KeyUsage} bits, e.g. {@code KeyUsage.digitalSignature}
   */
  public LeafCertificate keyUsage(int bits) {
    this.keyUsage = bits;
    return this;
  }

  public LeafCertificate extendedKeyUsage(KeyPurposeId... purposes) {
    this.purposes = purposes.clone();
    return this;
  }

  public LeafCertificate dnsNames(List<String> names) {
    names.forEach(name -> alternativeNames.add(new GeneralName(GeneralName.dNSName, name)));
    return this;
  }

  /** An IPv4 or IPv6 address in text form, e.g. {@code 127.0.0.1}. */
  public LeafCertificate ipAddress(String address) {
    alternativeNames.add(new GeneralName(GeneralName.iPAddress, address));
    return this;
  }

  public LeafCertificate subjectKeyIdentifier() {
    this.subjectKeyIdentifier = true;
    return this;
  }

  public X509Certificate signedBy(CertificateAuthority authority) {
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  authority.certificate(),
                  CertificateAuthority.serial(),
                  Date.from(notBefore),
                  Date.from(notAfter),
                  subject,
                  key)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      if (keyUsage != 0) {
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
      }
      if (purposes.length > 0) {
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
      }
      if (!alternativeNames.isEmpty()) {
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(alternativeNames.toArray(GeneralName[]::new)));
      }
      if (subjectKeyIdentifier) {
        builder.addExtension(
            Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key));
      }
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          extensions.createAuthorityKeyIdentifier(authority.certificate()));
      return authority.sign(builder);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate for " + subject, e);
    }
  }
}
