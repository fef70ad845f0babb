package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A response body read as a blocking stream, from a plain HTTP server on localhost. */
class StreamedBodyTest {

  private Vertx vertx;
  private HttpServer server;
  private final CompletableFuture<HttpServerResponse> answering = new CompletableFuture<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                request ->
                    answering.complete(request.response().putHeader("Content-Length", "200000")))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private InputStream body() throws Exception {
    HttpClient client = vertx.createHttpClient();
    CompletableFuture<InputStream> body = new CompletableFuture<>();
    client
        .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/blob")
        .compose(request -> request.send())
        .onSuccess(response -> body.complete(StreamedBody.of(response)))
        .onFailure(body::completeExceptionally);
    answering.get(10, TimeUnit.SECONDS).write("x".repeat(100));
    return body.get(10, TimeUnit.SECONDS);
  }

  @Test
  void bytesThatArrivedAreHandedOverWhileTheSenderPauses() throws Exception {
    InputStream body = body();

    // The sender stops after 100 bytes: the reader gets them now, not at the end of the body.
    CompletableFuture<byte[]> firstRead =
        CompletableFuture.supplyAsync(
            () -> {
              byte[] into = new byte[8192];
              try {
                int n = body.read(into);
                return Arrays.copyOf(into, n);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });

    assertThat(firstRead.get(10, TimeUnit.SECONDS)).hasSize(100);
    body.close();
  }

  @Test
  void aBodyArrivingInSmallWritesReadsWholeAndEnds() throws Exception {
    InputStream body = body();
    HttpServerResponse response = answering.get();
    vertx.runOnContext(
        go -> {
          for (int i = 0; i < 1999; i++) {
            response.write("y".repeat(100));
          }
          response.end();
        });

    byte[] all = body.readAllBytes();

    assertThat(all).hasSize(200_000);
    assertThat(new String(all, 0, 100, StandardCharsets.US_ASCII)).isEqualTo("x".repeat(100));
    assertThat(body.read()).isEqualTo(-1);
  }
}
