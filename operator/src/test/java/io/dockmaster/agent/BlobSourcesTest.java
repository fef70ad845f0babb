package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.peering.AgentCertificateAuthority;
import io.dockmaster.peering.PeerIdentity;
import io.dockmaster.peering.PeerName;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.RegistrySettings;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Continuing a transfer from a peer at a byte offset, over real TLS on localhost. */
class BlobSourcesTest {

  private static final byte[] CONTENT =
      "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
  private static final Digest DIGEST = Digest.sha256(CONTENT);

  static Vertx vertx;
  static AgentCertificateAuthority ca;
  static BlobSources sources;

  private final AtomicReference<String> range = new AtomicReference<>();
  private HttpServer server;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    ca = AgentCertificateAuthority.generate(Duration.ofDays(1), Clock.systemUTC());
    PeerIdentity caller = ca.issueAgentIdentity("node-b", Duration.ofHours(1));
    PeerTls tls = new PeerTls(() -> caller, ca.certificate());
    sources =
        new BlobSources(RegistrySettings.defaults(), node -> tls.clientFor(PeerName.agent(node)));
  }

  @AfterAll
  static void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPeerAsksForTheRestAndGetsOnlyThat() throws Exception {
    TransferOrder order =
        order(
            serve(
                request ->
                    request
                        .response()
                        .setStatusCode(206)
                        .putHeader("Content-Range", "bytes 10-35/36")
                        .end(Buffer.buffer(Arrays.copyOfRange(CONTENT, 10, CONTENT.length)))));

    BlobFrom rest = sources.open(order, DIGEST, 10);
    try (InputStream in = rest.body()) {
      assertThat(rest.startsAt()).isEqualTo(10);
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(CONTENT, 10, CONTENT.length));
    }
    assertThat(range).hasValue("bytes=10-");
  }

  @Test
  void aPeerThatSendsTheWholeBlobIsSaidToStartAtZero() throws Exception {
    TransferOrder order = order(serve(request -> request.response().end(Buffer.buffer(CONTENT))));

    BlobFrom whole = sources.open(order, DIGEST, 10);
    try (InputStream in = whole.body()) {
      assertThat(whole.startsAt()).isZero();
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
  }

  @Test
  void aRangeStartingElsewhereIsRefused() throws Exception {
    TransferOrder order =
        order(
            serve(
                request ->
                    request
                        .response()
                        .setStatusCode(206)
                        .putHeader("Content-Range", "bytes 0-35/36")
                        .end(Buffer.buffer(CONTENT))));

    assertThatThrownBy(() -> sources.open(order, DIGEST, 10))
        .isInstanceOf(TransferFailure.class)
        .hasMessage(
            "peer/node-a answered a request from byte 10 with Content-Range 'bytes 0-35/36'");
  }

  private TransferOrder order(String endpoint) {
    return new TransferOrder(
        DIGEST.toString(),
        CONTENT.length,
        null,
        "team/app",
        TransferSource.peer("node-a", endpoint),
        "mirror-uid");
  }

  /** An agent server for node-a; returns its endpoint. */
  private String serve(Consumer<HttpServerRequest> handler) throws Exception {
    PeerIdentity identity = ca.issueAgentIdentity("node-a", Duration.ofHours(1));
    PeerTls tls = new PeerTls(() -> identity, ca.certificate());
    server =
        vertx
            .createHttpServer(tls.vertxServerOptions().setHost("127.0.0.1").setPort(0))
            .requestHandler(
                request -> {
                  range.set(request.getHeader("Range"));
                  handler.accept(request);
                });
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return "https://127.0.0.1:" + server.actualPort();
  }
}
