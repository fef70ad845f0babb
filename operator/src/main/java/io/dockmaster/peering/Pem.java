package io.dockmaster.peering;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/** The PEM text forms of the certificates, keys and requests that peering stores and exchanges. */
final class Pem {

  private Pem() {}

  static String certificates(List<X509Certificate> certificates) {
    StringBuilder pem = new StringBuilder();
    for (X509Certificate certificate : certificates) {
      try {
        pem.append(write(new PemObject("CERTIFICATE", certificate.getEncoded())));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("cannot encode a certificate", e);
      }
    }
    return pem.toString();
  }

  static String certificate(X509Certificate certificate) {
    return certificates(List.of(certificate));
  }

  /** PKCS#8, the form every TLS stack reads. */
  static String privateKey(PrivateKey key) {
    return write(new PemObject("PRIVATE KEY", key.getEncoded()));
  }

  static String request(PKCS10CertificationRequest request) {
    try {
      return write(new PemObject("CERTIFICATE REQUEST", request.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @throws IllegalArgumentException when the text holds no certificate or is not PEM
   */
  static List<X509Certificate> readCertificates(String pem, String what) {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    for (Object item : objects(pem, what)) {
      if (item instanceof X509CertificateHolder holder) {
        try {
          certificates.add(converter.getCertificate(holder));
        } catch (CertificateException e) {
          throw new IllegalArgumentException(what + " holds an unreadable certificate", e);
        }
      }
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(what + " holds no PEM certificate");
    }
    return certificates;
  }

  /** Reads PKCS#8 or SEC1/PKCS#1 unencrypted keys. */
  static PrivateKey readPrivateKey(String pem, String what) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try {
      for (Object item : objects(pem, what)) {
        if (item instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (item instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " holds an unreadable private key", e);
    }
    throw new IllegalArgumentException(what + " holds no unencrypted PEM private key");
  }

  /**
   * @throws IllegalArgumentException when the text holds no PKCS#10 request
   */
  static PKCS10CertificationRequest readRequest(String pem, String what) {
    for (Object item : objects(pem, what)) {
      if (item instanceof PKCS10CertificationRequest request) {
        return request;
      }
    }
    throw new IllegalArgumentException(
        what + " holds no PEM block \"CERTIFICATE REQUEST\" (a PKCS#10 certificate request)");
  }

  private static List<Object> objects(String pem, String what) {
    List<Object> objects = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem == null ? "" : pem))) {
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        objects.add(item);
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(what + " is not valid PEM", e);
    }
    return objects;
  }

  private static String write(PemObject object) {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
