package io.dockmaster.peering;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents whichever identity is current at each handshake, as server and as client, so a renewed
 * certificate is used by new connections without rebuilding any SSL context or restarting a server
 * (the pattern of the admission webhook's {@code ServingKeyManager}, which serves only).
 */
final class PeerKeyManager extends X509ExtendedKeyManager {

  private final Supplier<PeerIdentity> identity;

  /**
   * The identities seen last and the one before, so a handshake that chose its alias just before a
   * renewal still finds that alias's chain and key.
   */
  private volatile PeerIdentity latest;

  private volatile PeerIdentity previous;

  PeerKeyManager(Supplier<PeerIdentity> identity) {
    this.identity = identity;
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
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return clientAlias(keyTypes);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return clientAlias(keyTypes);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    PeerIdentity found = find(alias);
    return found == null ? null : found.chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    PeerIdentity found = find(alias);
    return found == null ? null : found.privateKey();
  }

  private String clientAlias(String[] keyTypes) {
    return keyTypes == null
        ? null
        : Arrays.stream(keyTypes)
            .map(this::alias)
            .filter(alias -> alias != null)
            .findFirst()
            .orElse(null);
  }

  /** The current identity's alias when its key suits the key type (EC, RSA, EC_EC, ...). */
  private String alias(String keyType) {
    PeerIdentity current = current();
    String algorithm = current.privateKey().getAlgorithm().toUpperCase(Locale.ROOT);
    String wanted = keyType == null ? "" : keyType.toUpperCase(Locale.ROOT);
    return wanted.equals(algorithm) || wanted.startsWith(algorithm + "_") ? alias(current) : null;
  }

  private PeerIdentity current() {
    PeerIdentity now = identity.get();
    if (now != latest) {
      synchronized (this) {
        if (now != latest) {
          previous = latest;
          latest = now;
        }
      }
    }
    return now;
  }

  private PeerIdentity find(String alias) {
    for (PeerIdentity candidate : new PeerIdentity[] {latest, previous, identity.get()}) {
      if (candidate != null && alias(candidate).equals(alias)) {
        return candidate;
      }
    }
    return null;
  }

  private static String alias(PeerIdentity identity) {
    return "peer-" + identity.leaf().getSerialNumber().toString(16);
  }
}
