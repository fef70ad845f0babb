package io.dockmaster.admission;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Hands the TLS stack whichever certificate is current at each handshake, so replacing it needs no
 * new SSL context. Vert.x 4.5's {@code HttpServer.updateSSLOptions} rebuilds the context
 * asynchronously and drops connections accepted meanwhile (a NullPointerException in {@code
 * TCPServerBase}), which for a webhook means a refused admission request.
 */
final class ServingKeyManager extends X509ExtendedKeyManager {

  private final AtomicLong generations = new AtomicLong();
  private volatile Generation current;

  /**
   * The one before current, so that a handshake which chose its alias just before a swap still
   * finds the matching chain and key.
   */
  private volatile Generation previous;

  ServingKeyManager(ServingCertificate certificate) {
    use(certificate);
  }

  synchronized void use(ServingCertificate certificate) {
    previous = current;
    current = new Generation("serving-" + generations.incrementAndGet(), certificate);
  }

  ServingCertificate certificate() {
    return current.certificate();
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Generation generation = find(alias);
    return generation == null
        ? null
        : generation.certificate().chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Generation generation = find(alias);
    return generation == null ? null : generation.certificate().privateKey();
  }

  /** The webhook never authenticates as a client. */
  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return null;
  }

  /** The current alias when its key suits the cipher suite's key type (EC, RSA, ...). */
  private String alias(String keyType) {
    Generation generation = current;
    String algorithm =
        generation.certificate().privateKey().getAlgorithm().toUpperCase(Locale.ROOT);
    String wanted = keyType == null ? "" : keyType.toUpperCase(Locale.ROOT);
    return wanted.equals(algorithm) || wanted.startsWith(algorithm + "_")
        ? generation.alias()
        : null;
  }

  private Generation find(String alias) {
    Generation now = current;
    if (now.alias().equals(alias)) {
      return now;
    }
    Generation before = previous;
    return before != null && before.alias().equals(alias) ? before : null;
  }

  private record Generation(String alias, ServingCertificate certificate) {}
}
