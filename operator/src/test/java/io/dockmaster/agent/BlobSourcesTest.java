package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.peering.TlsAgentServers;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.RegistrySettings;
import io.dockmaster.testing.PlainHttpOnlyServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
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

  static TlsAgentServers agents;
  static PeerBlobClient peers;
  static BlobSources sources;

  private final AtomicReference<String> range = new AtomicReference<>();

  @BeforeAll
  static void setUp() {
    agents = new TlsAgentServers();
    PeerTls tls = new PeerTls(agents.agent("node-b"), agents.ca().certificate());
    peers = new PeerBlobClient(agents.vertx(), tls, Duration.ofSeconds(5), Duration.ofSeconds(30));
    sources = new BlobSources(RegistrySettings.defaults(), peers);
  }

  @AfterAll
  static void tearDown() throws Exception {
    peers.close();
    agents.close();
  }

  @AfterEach
  void stopServers() throws Exception {
    agents.stopServers();
  }

  @Test
  void aPeerAsksForTheRestAndGetsOnlyThat() throws Exception {
    TransferOrder order =
        order(partialContent("bytes 10-35/36", Arrays.copyOfRange(CONTENT, 10, CONTENT.length)));

    BlobFrom rest = sources.open(order, DIGEST, 10);
    try (InputStream in = rest.body()) {
      assertThat(rest.startsAt()).isEqualTo(10);
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(CONTENT, 10, CONTENT.length));
    }
    assertThat(range).hasValue("bytes=10-");
  }

  @Test
  void aPeerThatSendsTheWholeBlobIsSaidToStartAtZero() throws Exception {
    TransferOrder order = order(request -> request.response().end(Buffer.buffer(CONTENT)));

    BlobFrom whole = sources.open(order, DIGEST, 10);
    try (InputStream in = whole.body()) {
      assertThat(whole.startsAt()).isZero();
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
  }

  @Test
  void aRangeStartingElsewhereIsRefused() throws Exception {
    TransferOrder order = order(partialContent("bytes 0-35/36", CONTENT));

    assertThatThrownBy(() -> sources.open(order, DIGEST, 10))
        .isInstanceOf(TransferFailure.class)
        .hasMessage(
            "peer/node-a answered a request from byte 10 with Content-Range 'bytes 0-35/36'");
  }

  @Test
  void aNodeMeasuredSlowAsksItsSourceNotToKeepPaceWithIt() throws Exception {
    AtomicReference<String> pace = new AtomicReference<>("not asked");
    Consumer<HttpServerRequest> answer =
        request -> {
          pace.set(String.valueOf(request.getParam("pace")));
          request.response().end(Buffer.buffer(CONTENT));
        };
    TransferOrder order = order(answer);
    TransferOrder slow =
        new TransferOrder(
            order.digest(),
            order.size(),
            order.mediaType(),
            order.repository(),
            order.source(),
            order.pinOwner(),
            true);

    try (InputStream in = sources.open(slow, DIGEST, 0).body()) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
    assertThat(pace).hasValue("none");
    sources.open(order, DIGEST, 0).body().close();
    assertThat(pace).as("a node not measured slow").hasValue("null");
  }

  @Test
  void aPieceIsAskedForByItsRangeAndCountsFromItsFirstByte() throws Exception {
    AtomicReference<String> piece = new AtomicReference<>();
    TransferOrder order =
        piece(
            new BlobPiece(DIGEST, 10, 10),
            request -> {
              piece.set(request.getParam("piece"));
              partialContent("bytes 14-19/*", Arrays.copyOfRange(CONTENT, 14, 20)).accept(request);
            });

    BlobFrom rest = sources.open(order, DIGEST, 4);
    try (InputStream in = rest.body()) {
      assertThat(rest.startsAt()).isEqualTo(4);
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(CONTENT, 14, 20));
    }
    assertThat(range).hasValue("bytes=14-19");
    assertThat(piece).hasValue("10+10");
  }

  @Test
  void aPeerThatSendsTheWholeBlobForAPieceIsSaidToStartBeforeIt() throws Exception {
    TransferOrder order =
        piece(
            new BlobPiece(DIGEST, 10, 10),
            request -> request.response().end(Buffer.buffer(CONTENT)));

    BlobFrom whole = sources.open(order, DIGEST, 0);
    try (InputStream in = whole.body()) {
      assertThat(whole.startsAt()).isEqualTo(-10);
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
    assertThat(range).hasValue("bytes=10-19");
  }

  private TransferOrder piece(BlobPiece piece, Consumer<HttpServerRequest> handler)
      throws Exception {
    TransferOrder whole = order(handler);
    return new TransferOrder(
        whole.digest(),
        whole.size(),
        whole.mediaType(),
        whole.repository(),
        whole.source(),
        whole.pinOwner(),
        false,
        piece);
  }

  /** A 206 answer with this Content-Range and body. */
  private static Consumer<HttpServerRequest> partialContent(String contentRange, byte[] body) {
    return request ->
        request
            .response()
            .setStatusCode(206)
            .putHeader("Content-Range", contentRange)
            .end(Buffer.buffer(body));
  }

  @Test
  void anInsecureRegistryTheOperatorFoundSpeakingPlainHttpIsNotTriedOverTlsFirst()
      throws Exception {
    try (PlainHttpOnlyServer registry =
        new PlainHttpOnlyServer(200, Map.of("Docker-Content-Digest", DIGEST.toString()), CONTENT)) {
      fetchFrom(UpstreamAccess.anonymous(registry.address(), true));
      assertThat(registry.connections)
          .as("told nothing, an agent tries TLS first")
          .startsWith("TLS")
          .endsWith("HTTP");
      registry.connections.clear();

      fetchFrom(UpstreamAccess.anonymous(registry.address(), true).withPlainHttp(true));
      assertThat(registry.connections)
          .as("told, it goes over plain HTTP at once")
          .containsExactly("HTTP");
    }
  }

  /** Reads the whole blob from the registry through a new agent's sources. */
  private static void fetchFrom(UpstreamAccess access) throws Exception {
    TransferOrder order =
        new TransferOrder(
            DIGEST.toString(),
            CONTENT.length,
            "application/vnd.oci.image.layer.v1.tar",
            "team/app",
            TransferSource.upstream(access),
            "mirror-uid");
    BlobFrom blob = new BlobSources(RegistrySettings.defaults(), peers).open(order, DIGEST, 0);
    try (InputStream in = blob.body()) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
  }

  /** An order to fetch the blob from node-a's agent, which answers with {@code handler}. */
  private TransferOrder order(Consumer<HttpServerRequest> handler) throws Exception {
    String endpoint =
        agents.serve(
            "node-a",
            request -> {
              range.set(request.getHeader("Range"));
              handler.accept(request);
            });
    return new TransferOrder(
        DIGEST.toString(),
        CONTENT.length,
        null,
        "team/app",
        TransferSource.peer("node-a", endpoint),
        "mirror-uid");
  }
}
