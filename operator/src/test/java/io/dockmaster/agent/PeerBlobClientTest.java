package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dockmaster.peering.PeerTls;
import io.dockmaster.peering.TlsAgentServers;
import io.dockmaster.registry.Digest;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Blob bodies from peer agents, over real mutual TLS on localhost, read as blocking streams. */
class PeerBlobClientTest {

  /** More than the kernel buffers of a localhost connection hold (tcp_rmem's maximum is 32 MiB). */
  private static final int BLOB_BYTES = 96 * 1024 * 1024;

  private static final byte[] BLOB = new byte[BLOB_BYTES];

  static TlsAgentServers agents;
  static PeerBlobClient client;
  static final ExecutorService pool = Executors.newCachedThreadPool();

  /** Bytes the serving side handed to its connection. */
  private final AtomicLong served = new AtomicLong();

  @BeforeAll
  static void setUp() {
    new Random(7).nextBytes(BLOB);
    agents = new TlsAgentServers();
    client =
        new PeerBlobClient(
            agents.vertx(),
            new PeerTls(agents.agent("node-b"), agents.ca().certificate()),
            Duration.ofSeconds(2),
            Duration.ofSeconds(30));
  }

  @AfterAll
  static void tearDown() throws Exception {
    pool.shutdownNow();
    client.close();
    agents.close();
  }

  @AfterEach
  void stopServers() throws Exception {
    agents.stopServers();
  }

  /**
   * Writes the blob in 64 KiB chunks from a thread of its own through the agent's {@link
   * ResponseOutlet}, as the agent's blob responder does.
   */
  private void serveBlob(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    response.putHeader("Content-Length", Integer.toString(BLOB_BYTES));
    ResponseOutlet outlet = new ResponseOutlet(response);
    Thread writer =
        new Thread(
            () -> {
              try {
                while (served.get() < BLOB_BYTES) {
                  int from = (int) served.get();
                  int length = Math.min(64 * 1024, BLOB_BYTES - from);
                  outlet.write(Unpooled.wrappedBuffer(BLOB, from, length));
                  served.addAndGet(length);
                }
                response.end();
              } catch (InterruptedException | IllegalStateException e) {
                // The test ended or the client reset the stream.
              }
            });
    writer.setDaemon(true);
    writer.start();
  }

  /** Connections of node-a's server closed so far, by either side. */
  private final AtomicLong closedConnections = new AtomicLong();

  private String servedCountingCloses(Handler<HttpServerRequest> handler) throws Exception {
    return agents.serve(
        "node-a",
        request -> {
          request.connection().closeHandler(closed -> closedConnections.incrementAndGet());
          handler.handle(request);
        });
  }

  private String uri(String endpoint) {
    return endpoint + "/v2/team/app/blobs/" + Digest.sha256(BLOB);
  }

  @Test
  void aLargeBlobArrivesWholeWhileASlowReaderHoldsBackTheSender() throws Exception {
    String endpoint = agents.serve("node-a", this::serveBlob);

    PeerAnswer answer = client.get("node-a", uri(endpoint), 0, -1);

    assertThat(answer.status()).isEqualTo(200);
    // Nobody reads for a while: what the sender got rid of stops growing, far below the blob.
    AtomicLong lastSeen = new AtomicLong(-1);
    await()
        .pollInterval(Duration.ofMillis(500))
        .alias("the sender is held back by the reader, not just by the speed of TLS")
        .until(() -> served.get() > 0 && lastSeen.getAndSet(served.get()) == served.get());
    assertThat(served.get())
        .as("bytes the sender handed over while the reader read none")
        .isLessThan(BLOB_BYTES / 2);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream body = answer.body()) {
      byte[] buffer = new byte[8192];
      int n;
      while ((n = body.read(buffer)) != -1) {
        sha.update(buffer, 0, n);
      }
    }
    assertThat(sha.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(BLOB));
  }

  @Test
  void closingABodyHalfReadResetsItsConnectionAndTheNextRequestWorks() throws Exception {
    String endpoint = servedCountingCloses(this::serveBlob);
    PeerAnswer first = client.get("node-a", uri(endpoint), 0, -1);
    first.body().readNBytes(1000);

    first.body().close();

    await().alias("the half-read connection is closed").until(() -> closedConnections.get() == 1);
    served.set(0);
    PeerAnswer second = client.get("node-a", uri(endpoint), 0, -1);
    try (InputStream body = second.body()) {
      assertThat(body.readAllBytes()).isEqualTo(BLOB);
    }
    assertThat(agents.connections.get())
        .as("the second request needed a new connection: the first was not reused")
        .isEqualTo(2);
  }

  @Test
  void manyBlobsComeFromOnePeerAtOnce() throws Exception {
    int transfers = 24;
    // Each answer starts and then waits, as a relay streaming a blob it is still receiving.
    String endpoint =
        agents.serve(
            "node-a",
            request ->
                request.response().putHeader("Content-Length", "100").write(Buffer.buffer("x")));
    List<CompletableFuture<PeerAnswer>> answers = new ArrayList<>();
    for (int i = 0; i < transfers; i++) {
      answers.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return client.get("node-a", uri(endpoint), 0, -1);
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              },
              pool));
    }
    // Every body stays open until all have answered: none waits for another's connection.
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    for (CompletableFuture<PeerAnswer> answer : answers) {
      assertThat(answer.get().status()).isEqualTo(200);
      answer.get().body().close();
    }
  }

  @Test
  void theRangeAndTheAnswersContentRangeGoThrough() throws Exception {
    CompletableFuture<String> asked = new CompletableFuture<>();
    String endpoint =
        agents.serve(
            "node-a",
            request -> {
              asked.complete(request.getHeader("Range"));
              request
                  .response()
                  .setStatusCode(206)
                  .putHeader("Content-Range", "bytes 10-19/20")
                  .end(Buffer.buffer("0123456789"));
            });

    PeerAnswer answer = client.get("node-a", uri(endpoint), 10, -1);

    assertThat(asked.get(5, TimeUnit.SECONDS)).isEqualTo("bytes=10-");
    assertThat(answer.status()).isEqualTo(206);
    assertThat(answer.contentRange()).hasValue("bytes 10-19/20");
    try (InputStream body = answer.body()) {
      assertThat(body.readAllBytes()).isEqualTo("0123456789".getBytes());
    }
  }

  @Test
  void anAddressServedByAnotherAgentGetsNoRequest() throws Exception {
    AtomicBoolean reached = new AtomicBoolean();
    String endpoint = agents.serve("node-c", request -> reached.set(true));

    assertThatThrownBy(() -> client.get("node-a", uri(endpoint), 0, -1))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is served by dockmaster-agent:node-c, not dockmaster-agent:node-a");
    assertThat(reached).isFalse();
  }

  @Test
  void aPeerThatNeverAnswersFailsAfterTheResponseTimeoutAndLosesTheConnection() throws Exception {
    String endpoint = servedCountingCloses(request -> {});

    assertThatThrownBy(() -> client.get("node-a", uri(endpoint), 0, -1))
        .isInstanceOf(IOException.class)
        .hasMessage("no answer within 2s");
    await()
        .alias("the request was reset, not left holding a pooled connection")
        .until(() -> closedConnections.get() == 1);
  }

  /** Announces 100 bytes and sends the first ten. */
  private static Future<Void> tenOfAHundredBytes(HttpServerRequest request) {
    return request.response().putHeader("Content-Length", "100").write(Buffer.buffer("only ten b"));
  }

  @Test
  void aPeerThatHangsUpBeforeTheEndOfTheBodyFailsTheReadAfterTheBytesItSent() throws Exception {
    String endpoint =
        agents.serve(
            "node-a",
            request ->
                tenOfAHundredBytes(request).onComplete(sent -> request.connection().close()));
    PeerAnswer answer = client.get("node-a", uri(endpoint), 0, -1);

    try (InputStream body = answer.body()) {
      assertThat(body.readNBytes(10)).isEqualTo("only ten b".getBytes());
      assertThatThrownBy(body::read)
          .isInstanceOf(IOException.class)
          .hasMessage("the connection closed before the end of the body");
    }
  }

  @Test
  void aReadWaitingForBytesEndsWhenItsThreadIsInterrupted() throws Exception {
    String endpoint = agents.serve("node-a", PeerBlobClientTest::tenOfAHundredBytes);
    PeerAnswer answer = client.get("node-a", uri(endpoint), 0, -1);
    InputStream body = answer.body();
    assertThat(body.readNBytes(10)).isEqualTo("only ten b".getBytes());
    Thread reader = Thread.currentThread();
    CompletableFuture.runAsync(
        () -> {
          await().until(() -> reader.getState() == Thread.State.WAITING);
          reader.interrupt();
        });

    assertThatThrownBy(body::read).isInstanceOf(InterruptedIOException.class);
    assertThat(Thread.interrupted()).as("the interrupt stays visible to the caller").isTrue();
    body.close();
  }
}
