package io.dockmaster.peering;

import io.dockmaster.pki.ReloadingKeyManager;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.TrustOptions;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private static final Logger log = LoggerFactory.getLogger(PeerTls.class);

  /**
   * Streams one HTTP/2 connection to an agent carries at once: the operator holds one inventory
   * request per mirror that selects the agent, and a held request costs the agent no thread.
   */
  public static final long MAX_CONCURRENT_STREAMS = 1000;

  /**
   * Whether OpenSSL (BoringSSL in netty-tcnative) does the TLS of Vert.x peer connections. Every
   * byte between agents is encrypted and decrypted, and the JDK's engine spends more than twice the
   * CPU per byte on it ({@code make bench-peer-tls}); where the native library cannot load (another
   * CPU architecture, no writable temporary directory) the JDK's engine does the same job.
   */
  private static final boolean NATIVE_TLS = OpenSSLEngineOptions.isAvailable();

  static {
    if (NATIVE_TLS) {
      log.info("Peer TLS: native, {}", OpenSsl.versionString());
    } else {
      log.warn(
          "Peer TLS: the JDK's engine (more CPU per byte); native TLS unavailable: {}",
          String.valueOf(OpenSsl.unavailabilityCause()));
    }
  }

  private final ReloadingKeyManager keyManager;
  private final X509Certificate ca;

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
            // HTTP/2 for clients that offer it (the operator's held calls), HTTP/1.1 for others.
            .setUseAlpn(true)
            .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(MAX_CONCURRENT_STREAMS))
            .setKeyCertOptions(KeyCertOptions.wrap(keyManager))
            .setTrustOptions(TrustOptions.wrap(clientTrust()));
    options.getEnabledSecureTransportProtocols().clear();
    List.of(PROTOCOLS).forEach(options::addEnabledSecureTransportProtocol);
    if (NATIVE_TLS) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
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
    if (NATIVE_TLS) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    return options;
  }

  /**
   * A netty client context for calls to any agent: the handshake only proves the server is some
   * agent, so a caller checks {@link #requireReached(SSLSession, PeerName)} on the session before
   * it sends anything. Host names are not checked: agents are named by their certificate's common
   * name, not by address.
   */
  public SslContext nettyAgentClientContext() {
    try {
      return SslContextBuilder.forClient()
          .sslProvider(NATIVE_TLS ? SslProvider.OPENSSL : SslProvider.JDK)
          .keyManager(keyManager)
          .trustManager(PeerTrustManager.forAgentServers(ca))
          .protocols(PROTOCOLS)
          .endpointIdentificationAlgorithm(null)
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for peer connections", e);
    }
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
   * Fails unless the connection reached {@code expected}, with a message for the caller to put
   * after the address it called; a connection that reached another agent (its address now belongs
   * to another node) is closed, since it is of no use to anyone who asks for the agent the address
   * was given for. Pooled Vert.x connections are shared by address, so every request checks this
   * before it sends anything.
   */
  public static void requireReached(HttpConnection connection, PeerName expected)
      throws SSLPeerUnverifiedException {
    try {
      requireReached(connection.sslSession(), expected);
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /**
   * Fails unless the handshake of {@code session} reached {@code expected}, with a message for the
   * caller to put after the address it called.
   */
  public static void requireReached(SSLSession session, PeerName expected)
      throws SSLPeerUnverifiedException {
    PeerName reached;
    try {
      reached = peerOf(session);
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      throw new SSLPeerUnverifiedException(
          "did not prove to be " + expected + ": " + e.getMessage());
    }
    if (!reached.equals(expected)) {
      throw new SSLPeerUnverifiedException("is served by " + reached + ", not " + expected);
    }
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
