package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.peering.TlsAgentServers;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.RegistrySettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
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

  /** A 206 answer with this Content-Range and body. */
  private static Consumer<HttpServerRequest> partialContent(String contentRange, byte[] body) {
    return request ->
        request
            .response()
            .setStatusCode(206)
            .putHeader("Content-Range", contentRange)
            .end(Buffer.buffer(body));
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
