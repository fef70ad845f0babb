package io.dockmaster.pki;

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
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * The PEM text of certificates, private keys and certificate requests, as Secrets, files and the
 * CertificateSigningRequest API hold them. Readers name {@code what} they read (a Secret key, a
 * file, a field) in every error, since that is what the person fixing it can find.
 */
public final class Pem {

  private Pem() {}

  public static String certificates(List<X509Certificate> certificates) {
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

  public static String certificate(X509Certificate certificate) {
    return certificates(List.of(certificate));
  }

  /** PKCS#8, the form every TLS stack reads. */
  public static String privateKey(PrivateKey key) {
    return write(new PemObject("PRIVATE KEY", key.getEncoded()));
  }

  public static String request(PKCS10CertificationRequest request) {
    try {
      return write(new PemObject("CERTIFICATE REQUEST", request.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every certificate in the text, in order; none for text without any.
   *
   * @throws IllegalArgumentException naming {@code what} when the text is not PEM
   */
  public static List<X509Certificate> readCertificates(String pem, String what) {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    for (Object item : objects(pem, what)) {
      if (item instanceof X509CertificateHolder holder) {
        try {
          certificates.add(converter.getCertificate(holder));
        } catch (CertificateException e) {
          throw new IllegalArgumentException(
              what + " holds an unreadable certificate: " + detail(e), e);
        }
      }
    }
    return certificates;
  }

  /**
   * Every certificate in the text, in order, the leaf first.
   *
   * @throws IllegalArgumentException naming {@code what} when the text is not PEM or holds no
   *     certificate
   */
  public static List<X509Certificate> readChain(String pem, String what) {
    List<X509Certificate> chain = readCertificates(pem, what);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(what + " holds no PEM certificate");
    }
    return chain;
  }

  /**
   * The first private key in the text: PKCS#8, or the PKCS#1 (RSA) and SEC1 (EC) forms that openssl
   * and cert-manager write by default.
   *
   * @throws IllegalArgumentException naming {@code what} when the text is not PEM, holds no key, or
   *     holds an encrypted one
   */
  public static PrivateKey readPrivateKey(String pem, String what) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try {
      for (Object item : objects(pem, what)) {
        if (item instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (item instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new IllegalArgumentException(
              what
                  + " holds an encrypted private key; store it unencrypted"
                  + " (openssl pkey -in encrypted.key -out plain.key)");
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          what + " holds an unreadable private key: " + detail(e), e);
    }
    throw new IllegalArgumentException(what + " holds no PEM private key");
  }

  /**
   * @throws IllegalArgumentException naming {@code what} when the text holds no PKCS#10 request
   */
  public static PKCS10CertificationRequest readRequest(String pem, String what) {
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
      // Bouncy Castle reports damaged base64 or DER as runtime exceptions too.
      throw new IllegalArgumentException(what + " is not valid PEM: " + detail(e), e);
    }
    return objects;
  }

  private static String detail(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
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
