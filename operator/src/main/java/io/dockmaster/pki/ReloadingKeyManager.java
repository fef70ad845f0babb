package io.dockmaster.pki;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents whichever {@link CertifiedKey} its source holds at each handshake, so a renewed
 * certificate reaches new connections without a new SSL context or a restart. Rebuilding contexts
 * is what this avoids: Vert.x 4.5's {@code HttpServer.updateSSLOptions} does it asynchronously and
 * drops connections accepted meanwhile (a NullPointerException in {@code TCPServerBase}).
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {

  private final Supplier<? extends CertifiedKey> source;
  private final boolean presentsAsClient;
  private long generations;

  /**
   * The key seen last and the one before, so that a handshake which chose its alias just before a
   * swap still finds that alias's chain and key.
   */
  private volatile Generation latest;

  private volatile Generation previous;

  private ReloadingKeyManager(Supplier<? extends CertifiedKey> source, boolean presentsAsClient) {
    this.source = source;
    this.presentsAsClient = presentsAsClient;
  }

  /** For a server that never authenticates as a client. */
  public static ReloadingKeyManager forServer(Supplier<? extends CertifiedKey> source) {
    return new ReloadingKeyManager(source, false);
  }

  /** For mutual TLS, where the same key serves and calls. */
  public static ReloadingKeyManager forServerAndClient(Supplier<? extends CertifiedKey> source) {
    return new ReloadingKeyManager(source, true);
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
    return array(alias(keyType));
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return clientAlias(keyTypes);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return clientAlias(keyTypes);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return presentsAsClient ? array(alias(keyType)) : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Generation found = find(alias);
    return found == null ? null : found.key().chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Generation found = find(alias);
    return found == null ? null : found.key().privateKey();
  }

  private String clientAlias(String[] keyTypes) {
    if (!presentsAsClient || keyTypes == null) {
      return null;
    }
    return Arrays.stream(keyTypes)
        .map(this::alias)
        .filter(Objects::nonNull)
        .findFirst()
        .orElse(null);
  }

  /** The current alias when its key suits the key type asked for (EC, RSA, EC_EC, ...). */
  private String alias(String keyType) {
    Generation current = current();
    String algorithm = current.key().privateKey().getAlgorithm().toUpperCase(Locale.ROOT);
    String wanted = keyType == null ? "" : keyType.toUpperCase(Locale.ROOT);
    return wanted.equals(algorithm) || wanted.startsWith(algorithm + "_") ? current.alias() : null;
  }

  private Generation current() {
    Generation seen = latest;
    if (seen != null && seen.key() == source.get()) {
      return seen;
    }
    synchronized (this) {
      // Read again under the lock, so that a slow thread never puts back an older key.
      CertifiedKey now = source.get();
      if (latest == null || latest.key() != now) {
        previous = latest;
        latest = new Generation("key-" + ++generations, now);
      }
      return latest;
    }
  }

  private Generation find(String alias) {
    for (Generation candidate : new Generation[] {latest, previous}) {
      if (candidate != null && candidate.alias().equals(alias)) {
        return candidate;
      }
    }
    return null;
  }

  private static String[] array(String alias) {
    return alias == null ? null : new String[] {alias};
  }

  private record Generation(String alias, CertifiedKey key) {}
}
