package io.dockmaster.webhooktls;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues the webhook's CAs and serving certificates: ECDSA P-256, backdated by {@link
 * Lifetime#backdate}, serving certificates never outliving their CA.
 */
final class CertificateIssuer {

  /** Always a SAN, so the API server can also call a run on this machine at https://127.0.0.1. */
  static final String LOOPBACK_IP = "127.0.0.1";

  private static final String SIGNATURE = "SHA256withECDSA";

  private final Clock clock;

  CertificateIssuer(Clock clock) {
    this.clock = clock;
  }

  KeyedCertificate authority(String commonName, Duration validity) {
    KeyPair keys = p256();
    // X.509 times have whole seconds; Lifetime reads the issue time back from them exactly.
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    validity = Duration.ofSeconds(validity.getSeconds());
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X500Name name =
          new X500NameBuilder(BCStyle.INSTANCE)
              .addRDN(BCStyle.O, "dockmaster")
              .addRDN(BCStyle.CN, commonName + " " + now.getEpochSecond())
              .build();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  name,
                  serial(),
                  Date.from(now.minus(Lifetime.backdate(validity))),
                  Date.from(now.plus(validity)),
                  name,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return new KeyedCertificate(sign(builder, keys), keys.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a webhook CA", e);
    }
  }

  KeyedCertificate serving(KeyedCertificate authority, List<String> dnsNames, Duration validity) {
    KeyPair keys = p256();
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant notAfter = now.plusSeconds(validity.getSeconds());
    Instant authorityEnd = authority.certificate().getNotAfter().toInstant();
    if (notAfter.isAfter(authorityEnd)) {
      notAfter = authorityEnd;
    }
    if (!notAfter.isAfter(now)) {
      throw new IllegalStateException(
          "cannot issue a webhook serving certificate from a CA that ended at " + authorityEnd);
    }
    List<GeneralName> names = new ArrayList<>();
    dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
    names.add(new GeneralName(GeneralName.iPAddress, LOOPBACK_IP));
    String commonName = dnsNames.isEmpty() ? LOOPBACK_IP : dnsNames.get(0);
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  authority.certificate(),
                  serial(),
                  Date.from(now.minus(Lifetime.backdate(Duration.between(now, notAfter)))),
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
                  extensions.createAuthorityKeyIdentifier(authority.certificate()));
      return new KeyedCertificate(
          sign(builder, new KeyPair(authority.certificate().getPublicKey(), authority.key())),
          keys.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a webhook serving certificate", e);
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
}
