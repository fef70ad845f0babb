package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.net.OpenSSLEngineOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real TLS on localhost: the agent's Vert.x HTTPS server built from {@link PeerTls}, called with
 * {@code java.net.http.HttpClient} as the operator and other agents do.
 */
class PeerTlsTest {

  private static final PeerName NODE_A = PeerName.agent("node-a");

  static TlsAgentServers agents;
  static AgentCertificateAuthority ca;
  static AgentCertificateAuthority otherCa;

  private final AtomicInteger handled = new AtomicInteger();

  @BeforeAll
  static void setUp() {
    agents = new TlsAgentServers();
    ca = agents.ca();
    otherCa = AgentCertificateAuthority.generate(Duration.ofDays(1), Clock.systemUTC());
  }

  @AfterAll
  static void tearDown() throws Exception {
    agents.close();
  }

  @AfterEach
  void stopServers() throws Exception {
    agents.stopServers();
  }

  @Test
  void anAgentCallerIsAcceptedAndNamedToTheHandler() throws Exception {
    int port = serve(agent("node-a"));
    PeerTls caller = new PeerTls(agent("node-b"), ca.certificate());

    HttpResponse<String> response = call(caller.httpClient(NODE_A).build(), port);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("dockmaster-agent:node-b");
    assertThat(PeerTls.peerOf(response.sslSession().orElseThrow())).isEqualTo(NODE_A);
  }

  @Test
  void theOperatorCallerIsToldApartFromAgents() throws Exception {
    int port = serve(agent("node-a"));
    PeerIdentity operator = ca.issueOperatorIdentity();
    PeerTls caller = new PeerTls(() -> operator, ca.certificate());

    HttpResponse<String> response = call(caller.httpClient(NODE_A).build(), port);

    assertThat(response.body()).isEqualTo("dockmaster-operator");
  }

  @Test
  void aClientWithoutACertificateIsToldSoAndReachesNoHandler() throws Exception {
    int port = serve(agent("node-a"));
    SSLContext anonymous = SSLContext.getInstance("TLS");
    anonymous.init(
        null, new TrustManager[] {PeerTrustManager.forServer(ca.certificate(), NODE_A)}, null);

    // Plain sockets, not the JDK's HTTP client: under TLS 1.3 a client is done with the
    // handshake before the server has judged its (empty) certificate, so the refusal arrives as
    // an alert after it, followed by the server hanging up; whether a request written then
    // meets the alert or the hang-up is a race, and that client at times surfaces neither.
    try (SSLSocket listening = anonymousConnection(anonymous, port)) {
      assertThatThrownBy(() -> listening.getInputStream().read())
          .isInstanceOf(SSLException.class)
          // The JDK's engine sends bad_certificate, BoringSSL TLS 1.3's certificate_required.
          .satisfiesAnyOf(
              e -> assertThat(e).hasMessageContaining("bad_certificate"),
              e -> assertThat(e).hasMessageContaining("certificate_required"));
    }
    try (SSLSocket asking = anonymousConnection(anonymous, port)) {
      // Reading to the end means the server is done with the connection and what was sent.
      assertThatThrownBy(
              () -> {
                asking
                    .getOutputStream()
                    .write(
                        "GET /whoami HTTP/1.1\r\nHost: node-a\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                asking.getOutputStream().flush();
                asking.getInputStream().read();
              })
          .isInstanceOf(IOException.class);
    }
    assertThat(handled).hasValue(0);
  }

  @Test
  void aClientCertificateFromAnotherCaFailsTheHandshake() throws Exception {
    int port = serve(agent("node-a"));
    PeerIdentity impostor = otherCa.issueAgentIdentity("node-b", Duration.ofHours(1));
    PeerTls caller = new PeerTls(() -> impostor, ca.certificate());

    // Under TLS 1.3 the client may learn it only as the connection closing before any answer.
    assertThatThrownBy(() -> call(caller.httpClient(NODE_A).build(), port))
        .isInstanceOf(IOException.class);
    assertThat(handled).hasValue(0);
  }

  @Test
  void theClientRefusesAServerThatIsNotTheExpectedNode() throws Exception {
    int port = serve(agent("node-a"));
    PeerTls caller = new PeerTls(agent("node-b"), ca.certificate());

    assertThatThrownBy(() -> call(caller.httpClient(PeerName.agent("node-c")).build(), port))
        .isInstanceOf(IOException.class)
        .hasStackTraceContaining(
            "the server is dockmaster-agent:node-a, expected dockmaster-agent:node-c");
    assertThat(handled).hasValue(0);
  }

  @Test
  void theClientRefusesAServerFromAnotherCa() throws Exception {
    PeerIdentity impostor = otherCa.issueAgentIdentity("node-a", Duration.ofHours(1));
    int port = serve(() -> impostor);
    PeerTls caller = new PeerTls(agent("node-b"), ca.certificate());

    assertThatThrownBy(() -> call(caller.httpClient(NODE_A).build(), port))
        .isInstanceOf(IOException.class)
        .hasStackTraceContaining("PKIX path");
  }

  @Test
  void theClientRefusesAServerPresentingAClientOnlyCertificate() throws Exception {
    PeerIdentity operator = ca.issueOperatorIdentity();
    int port = serve(() -> operator);
    PeerTls caller = new PeerTls(agent("node-b"), ca.certificate());

    assertThatThrownBy(() -> call(caller.httpClient(PeerName.operator()).build(), port))
        .isInstanceOf(IOException.class)
        .hasStackTraceContaining("Extended key usage does not permit use for TLS server");
  }

  @Test
  void aRenewedServerIdentityIsServedWithoutARestart() throws Exception {
    PeerIdentity first = ca.issueAgentIdentity("node-a", Duration.ofHours(1));
    PeerIdentity renewed = ca.issueAgentIdentity("node-a", Duration.ofHours(2));
    AtomicReference<PeerIdentity> current = new AtomicReference<>(first);
    int port = serve(current::get);
    PeerTls caller = new PeerTls(agent("node-b"), ca.certificate());

    X509Certificate before = serverCertificate(call(caller.httpClient(NODE_A).build(), port));
    current.set(renewed);
    X509Certificate after = serverCertificate(call(caller.httpClient(NODE_A).build(), port));

    assertThat(before.getSerialNumber()).isEqualTo(first.leaf().getSerialNumber());
    assertThat(after.getSerialNumber()).isEqualTo(renewed.leaf().getSerialNumber());
    assertThat(handled).hasValue(2);
  }

  @Test
  void vertxConnectionsUseTheNativeEngineOnLinuxX86() {
    // The image runs on linux/amd64, where the bundled BoringSSL must load: a packaging mistake
    // would otherwise only show as agents spending twice the CPU per byte.
    assumeTrue(
        "Linux/amd64".equals(System.getProperty("os.name") + "/" + System.getProperty("os.arch")),
        "only linux/amd64's native TLS library ships");
    assertThat(OpenSsl.isAvailable())
        .as("BoringSSL loaded: %s", OpenSsl.unavailabilityCause())
        .isTrue();
    PeerTls tls = new PeerTls(agent("node-a"), ca.certificate());

    assertThat(tls.vertxServerOptions().getSslEngineOptions())
        .isInstanceOf(OpenSSLEngineOptions.class);
    assertThat(tls.vertxAgentClientOptions().getSslEngineOptions())
        .isInstanceOf(OpenSSLEngineOptions.class);
  }

  @Test
  void peerOfRefusesAConnectionWithoutTls() {
    assertThatThrownBy(() -> PeerTls.peerOf(null))
        .isInstanceOf(SSLPeerUnverifiedException.class)
        .hasMessage("the connection is not TLS");
  }

  private Supplier<PeerIdentity> agent(String node) {
    return agents.agent(node);
  }

  /** Starts an agent server that answers with the caller's common name. */
  private int serve(Supplier<PeerIdentity> identity) throws Exception {
    return agents.listen(
        identity,
        request -> {
          handled.incrementAndGet();
          try {
            request.response().end(PeerTls.peerOf(request.sslSession()).commonName());
          } catch (SSLPeerUnverifiedException e) {
            request.response().setStatusCode(403).end(e.getMessage());
          }
        });
  }

  private static SSLSocket anonymousConnection(SSLContext context, int port) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    return socket;
  }

  private static HttpResponse<String> call(HttpClient client, int port) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/whoami"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static X509Certificate serverCertificate(HttpResponse<?> response) throws Exception {
    return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
  }
}
