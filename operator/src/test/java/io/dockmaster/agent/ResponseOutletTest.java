package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A body written from another thread while the response's event loop is busy elsewhere. */
class ResponseOutletTest {

  private static final int CHUNK = 64 * 1024;
  private static final int BODY_BYTES = 16 * 1024 * 1024;

  private Vertx vertx;
  private HttpServer server;
  private final AtomicLong handedOver = new AtomicLong();
  private final CountDownLatch loopFree = new CountDownLatch(1);

  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            // Served as the agent's runtime port serves.
            .createHttpServer(AgentServer.runtimeOptions())
            .requestHandler(
                request -> {
                  HttpServerResponse response = request.response();
                  response.putHeader("Content-Length", Integer.toString(BODY_BYTES));
                  ResponseOutlet outlet = new ResponseOutlet(response);
                  Thread writer = new Thread(() -> writeBody(outlet, response));
                  writer.setDaemon(true);
                  // The loop is busy (another connection's TLS, a slow handler) until released.
                  vertx
                      .getOrCreateContext()
                      .runOnContext(
                          busy -> {
                            writer.start();
                            awaitQuietly(loopFree);
                          });
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  private void writeBody(ResponseOutlet outlet, HttpServerResponse response) {
    try {
      byte[] chunk = new byte[CHUNK];
      while (handedOver.get() < BODY_BYTES) {
        outlet.write(Unpooled.wrappedBuffer(chunk));
        handedOver.addAndGet(CHUNK);
      }
      response.end();
    } catch (InterruptedException | IllegalStateException e) {
      // The test ended.
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @AfterEach
  void stop() throws Exception {
    loopFree.countDown();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aWriterStopsAtTheBoundWhileTheEventLoopCannotTakeItsWritesAndFinishesOnceItCan()
      throws Exception {
    CompletableFuture<HttpResponse<byte[]>> answer =
        HttpClient.newHttpClient()
            .sendAsync(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.actualPort() + "/blob"))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());

    await().alias("the writer starts").until(() -> handedOver.get() > 0);
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .alias("no more than the bound queued for a loop that runs none of it")
        .until(() -> handedOver.get() <= ResponseOutlet.MAX_QUEUED_BYTES);
    assertThat(handedOver.get()).isEqualTo(ResponseOutlet.MAX_QUEUED_BYTES);

    loopFree.countDown();

    assertThat(answer.get(30, TimeUnit.SECONDS).body()).hasSize(BODY_BYTES);
  }
}
