package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobWrite;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Peers asking for byte-range pieces of a blob, answered from a real cache over HTTP. */
class BlobResponderPiecesTest {

  @TempDir Path directory;

  private final ExecutorService streams = Executors.newCachedThreadPool();
  private final HttpClient client = HttpClient.newHttpClient();
  private final byte[] content = new byte[200_000];
  private Digest digest;
  private BlobPiece middle;
  private Vertx vertx;
  private BlobCache cache;
  private String endpoint;

  @BeforeEach
  void start() throws Exception {
    new Random(5).nextBytes(content);
    digest = Digest.sha256(content);
    middle = new BlobPiece(digest, 50_000, 100_000);
    cache = BlobCache.open(directory, CacheLimits.ofCapacity(64 << 20), new SimpleMeterRegistry());
    TransferLedger ledger = new TransferLedger();
    BlobResponder responder =
        new BlobResponder(
            cache,
            ledger,
            new RuntimeTags(),
            new MirrorBandwidth(Bandwidth.of(0), Bandwidth.of(0)),
            new AgentMetrics(new SimpleMeterRegistry(), ledger::inFlightCount),
            streams,
            200,
            UnpooledByteBufAllocator.DEFAULT);
    vertx = Vertx.vertx();
    HttpServer server =
        vertx
            // Served as the agent's runtime port serves.
            .createHttpServer(AgentServer.runtimeOptions())
            .requestHandler(
                request -> responder.handle(request, Optional.of("dockmaster-agent:node-b")))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    endpoint = "http://127.0.0.1:" + server.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    streams.shutdownNow();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    cache.close();
  }

  @Test
  void aPieceIsServedFromThisNodesCopyWhileItArrives() throws Exception {
    BlobWrite write = cache.startWrite(middle, content.length, null).orElseThrow();

    CompletableFuture<HttpResponse<byte[]>> answer = ask(middle, "bytes=60000-149999");
    write.write(content, 50_000, 100_000);
    write.commit();

    HttpResponse<byte[]> response = answer.get(30, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(206);
    assertThat(response.headers().firstValue("Content-Range")).hasValue("bytes 60000-149999/*");
    assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, 60_000, 150_000));
  }

  @Test
  void aPieceIsServedFromTheCompleteBlob() throws Exception {
    try (BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow()) {
      write.write(content);
      write.commit();
    }

    HttpResponse<byte[]> response = ask(middle, null).get(30, TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(206);
    assertThat(response.headers().firstValue("Content-Range"))
        .hasValue("bytes 50000-149999/200000");
    assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, 50_000, 150_000));
  }

  @Test
  void aRangeThatStartsBeforeThePieceIsRefused() throws Exception {
    cache.startWrite(middle, content.length, null).orElseThrow();

    HttpResponse<byte[]> response = ask(middle, "bytes=0-99999").get(30, TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(416);
    assertThat(new String(response.body())).contains("starts before piece " + middle);
  }

  @Test
  void aPieceThisNodeDoesNotHaveIsNotServedFromAnotherPieceOrAPartialBlob() throws Exception {
    BlobPiece first = new BlobPiece(digest, 0, 50_000);
    cache.startWrite(first, content.length, null).orElseThrow();

    HttpResponse<byte[]> response = ask(middle, null).get(30, TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(new String(response.body())).contains("piece " + middle + " is not in this node");
  }

  @Test
  void aMalformedPieceIsABadRequest() throws Exception {
    HttpResponse<byte[]> response =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(endpoint + "/v2/team/app/blobs/" + digest + "?piece=ten"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new String(response.body())).contains("<offset>+<length>");
  }

  private CompletableFuture<HttpResponse<byte[]>> ask(BlobPiece piece, String range) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
            URI.create(
                endpoint
                    + "/v2/team/app/blobs/"
                    + digest
                    + "?piece="
                    + piece.offset()
                    + "%2B"
                    + piece.length()));
    if (range != null) {
      request.header("Range", range);
    }
    return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
