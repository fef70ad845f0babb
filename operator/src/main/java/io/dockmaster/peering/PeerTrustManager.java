package io.dockmaster.peering;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a peer when its chain leads to the agent CA (with the right extended key usage: the JDK's
 * PKIX checks see to that) and its common name is one this side expects. Host names are never
 * checked: agents are reached at pod or host IPs, which change and are not in their certificates;
 * the common name is what identifies a peer.
 *
 * <p>Being an {@link X509ExtendedTrustManager} is what switches off the JDK's own host name check,
 * which {@code java.net.http.HttpClient} asks for on every connection: the JDK only adds it around
 * trust managers that are not extended ones.
 */
final class PeerTrustManager extends X509ExtendedTrustManager {

  private final X509ExtendedTrustManager pkix;
  private final X509Certificate ca;
  private final Predicate<PeerName> accepted;
  private final String expectation;
  private final boolean checksClients;

  private PeerTrustManager(
      X509Certificate ca, Predicate<PeerName> accepted, String expectation, boolean checksClients) {
    this.pkix = pkix(ca);
    this.ca = ca;
    this.accepted = accepted;
    this.expectation = expectation;
    this.checksClients = checksClients;
  }

  /** For servers: clients must be the operator or an agent. */
  static PeerTrustManager forClients(X509Certificate ca) {
    return new PeerTrustManager(ca, name -> true, "the operator or an agent", true);
  }

  /**
   * For a client shared by calls to many agents: the server must be an agent, and the caller checks
   * which one before it sends anything ({@link PeerTls#peerOf}).
   */
  static PeerTrustManager forAgentServers(X509Certificate ca) {
    return new PeerTrustManager(ca, name -> !name.isOperator(), "an agent", false);
  }

  /** For clients: the server must be exactly this peer. */
  static PeerTrustManager forServer(X509Certificate ca, PeerName expected) {
    return new PeerTrustManager(ca, expected::equals, expected.commonName(), false);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    if (!checksClients) {
      throw new CertificateException("this trust manager checks servers, not clients");
    }
    pkix.checkClientTrusted(chain, authType);
    checkName(chain, "client");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    if (checksClients) {
      throw new CertificateException("this trust manager checks clients, not servers");
    }
    pkix.checkServerTrusted(chain, authType);
    checkName(chain, "server");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  /** Also the CA names a server sends when it asks for a client certificate. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[] {ca};
  }

  private void checkName(X509Certificate[] chain, String role) throws CertificateException {
    PeerName name;
    try {
      name = PeerName.of(chain[0]);
    } catch (IllegalArgumentException e) {
      throw new CertificateException("the " + role + "'s " + e.getMessage());
    }
    if (!accepted.test(name)) {
      throw new CertificateException("the " + role + " is " + name + ", expected " + expectation);
    }
  }

  private static X509ExtendedTrustManager pkix(X509Certificate ca) {
    try {
      KeyStore anchors = KeyStore.getInstance("PKCS12");
      anchors.load(null, null);
      anchors.setCertificateEntry("dockmaster-agent-ca", ca);
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(anchors);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager extended) {
          return extended;
        }
      }
      throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager for PKIX");
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot trust the agent CA", e);
    }
  }
}
