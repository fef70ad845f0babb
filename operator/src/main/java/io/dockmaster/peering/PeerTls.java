package io.dockmaster.peering;

import io.dockmaster.pki.ReloadingKeyManager;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS settings of every peer connection, built from this side's identity and the agent CA.
 *
 * <p>Servers (agents) require a client certificate from the CA, so a client without one fails the
 * handshake and gets nothing; the handler reads who called with {@link #peerOf(SSLSession)}.
 * Clients check that the server chains to the CA and is the agent they meant to call, by common
 * name rather than host name (see {@link PeerTrustManager} for why).
 *
 * <p>The identity is read at every handshake, so a renewed certificate needs no restart: pass a
 * {@link RenewingIdentity}.
 */
public final class PeerTls {

  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** More peers than an agent fetches from at once in any plan. */
  static final int MAX_CLIENTS = 64;

  private final ReloadingKeyManager keyManager;
  private final X509Certificate ca;

  /**
   * Clients of the peers called last, least recently used first. Each client has its own selector
   * thread, and over many runs an agent calls more and more peers: a dropped client's thread ends
   * once the client is unreachable and its exchanges are done.
   */
  private final Map<PeerName, HttpClient> clients =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PeerName, HttpClient> eldest) {
          return size() > MAX_CLIENTS;
        }
      };

  public PeerTls(Supplier<PeerIdentity> identity, X509Certificate ca) {
    this.keyManager = ReloadingKeyManager.forServerAndClient(identity);
    this.ca = ca;
  }

  /** Presents the current identity, as server and as client. */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** For servers: accepts the operator and any agent. */
  public X509ExtendedTrustManager clientTrust() {
    return PeerTrustManager.forClients(ca);
  }

  /** For clients: accepts only {@code expectedServer}. */
  public X509ExtendedTrustManager serverTrust(PeerName expectedServer) {
    return PeerTrustManager.forServer(ca, expectedServer);
  }

  /**
   * Options for a Vert.x HTTPS server that requires client certificates from the CA. Callers add
   * host, port and timeouts.
   */
  public HttpServerOptions vertxServerOptions() {
    HttpServerOptions options =
        new HttpServerOptions()
            .setSsl(true)
            .setClientAuth(ClientAuth.REQUIRED)
            .setKeyCertOptions(KeyCertOptions.wrap(keyManager))
            .setTrustOptions(TrustOptions.wrap(clientTrust()));
    options.getEnabledSecureTransportProtocols().clear();
    List.of(PROTOCOLS).forEach(options::addEnabledSecureTransportProtocol);
    return options;
  }

  /**
   * Options for one Vert.x HTTPS client shared by calls to every agent. Its connections are pooled
   * by address, which does not identify an agent, so the handshake only proves the server is some
   * agent: a caller must check {@link #peerOf} on the request's connection against the agent it
   * means to reach before sending anything. Callers add pool and keep-alive settings.
   */
  public HttpClientOptions vertxAgentClientOptions() {
    HttpClientOptions options =
        new HttpClientOptions()
            .setSsl(true)
            // Agents are named by their certificate's common name, not by address.
            .setVerifyHost(false)
            .setConnectTimeout((int) CONNECT_TIMEOUT.toMillis())
            .setKeyCertOptions(KeyCertOptions.wrap(keyManager))
            .setTrustOptions(TrustOptions.wrap(PeerTrustManager.forAgentServers(ca)));
    options.getEnabledSecureTransportProtocols().clear();
    List.of(PROTOCOLS).forEach(options::addEnabledSecureTransportProtocol);
    return options;
  }

  /**
   * An SSL context for a server; the server must also require client authentication (for a JDK
   * {@code HttpsServer}: {@code params.setNeedClientAuth(true)} in its configurator).
   */
  public SSLContext serverContext() {
    return context(new TrustManager[] {clientTrust()});
  }

  /** An SSL context for connections to exactly {@code expectedServer}. */
  public SSLContext clientContext(PeerName expectedServer) {
    return context(new TrustManager[] {serverTrust(expectedServer)});
  }

  /**
   * A {@link HttpClient} builder for calls to exactly {@code expectedServer}: one client per peer,
   * since the expected name is part of the SSL context.
   */
  public HttpClient.Builder httpClient(PeerName expectedServer) {
    SSLParameters parameters = new SSLParameters();
    parameters.setProtocols(PROTOCOLS);
    return HttpClient.newBuilder()
        .sslContext(clientContext(expectedServer))
        .sslParameters(parameters);
  }

  /**
   * The client for calls to {@code expectedServer}, kept while that peer is among the {@value
   * #MAX_CLIENTS} called last: each holds its connections to that peer, and renewed identities are
   * picked up per handshake.
   */
  public synchronized HttpClient clientFor(PeerName expectedServer) {
    return clients.computeIfAbsent(
        expectedServer,
        name ->
            httpClient(name)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build());
  }

  /**
   * Who is on the other end of a connection whose handshake this class's trust managers checked.
   *
   * @throws SSLPeerUnverifiedException when the peer presented no usable certificate
   */
  public static PeerName peerOf(SSLSession session) throws SSLPeerUnverifiedException {
    if (session == null) {
      throw new SSLPeerUnverifiedException("the connection is not TLS");
    }
    Certificate[] chain = session.getPeerCertificates();
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      throw new SSLPeerUnverifiedException("the peer presented no X.509 certificate");
    }
    try {
      return PeerName.of(leaf);
    } catch (IllegalArgumentException e) {
      throw new SSLPeerUnverifiedException("the peer's " + e.getMessage());
    }
  }

  private SSLContext context(TrustManager[] trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keyManager}, trust, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS for peer connections", e);
    }
  }
}
