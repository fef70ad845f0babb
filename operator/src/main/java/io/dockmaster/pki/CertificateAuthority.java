package io.dockmaster.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA certificate with its private key: what signs {@link LeafCertificate}s. Which names, how long
 * and where it is kept are its owner's decisions.
 */
public record CertificateAuthority(X509Certificate certificate, PrivateKey key) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * @throws IllegalArgumentException when the key is neither EC nor RSA
   */
  public CertificateAuthority {
    Signing.certificateAlgorithm(key);
  }

  /**
   * A new P-256 key and a self-signed certificate for it that may sign certificates and CRLs but no
   * further CAs (path length 0).
   */
  public static CertificateAuthority selfSigned(
      X500Name name, Instant notBefore, Instant notAfter) {
    KeyPair keys = P256Keys.generate();
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  name, serial(), Date.from(notBefore), Date.from(notAfter), name, keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a CA certificate for " + name, e);
    }
  }

  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  /** {@code wanted}, or this CA's end if that comes first: a leaf never outlives its CA. */
  public Instant endNoLaterThan(Instant wanted) {
    Instant end = notAfter();
    return wanted.isAfter(end) ? end : wanted;
  }

  /** 127 random bits: positive, unique in practice, and within the 20 octets RFC 5280 allows. */
  static BigInteger serial() {
    return new BigInteger(127, RANDOM);
  }

  X509Certificate sign(X509v3CertificateBuilder builder) throws GeneralSecurityException {
    return sign(builder, key);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder(Signing.certificateAlgorithm(issuer)).build(issuer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  @Override
  public String toString() {
    // Never print the key.
    return "CertificateAuthority["
        + certificate.getSubjectX500Principal().getName()
        + ", valid until "
        + notAfter()
        + "]";
  }
}
