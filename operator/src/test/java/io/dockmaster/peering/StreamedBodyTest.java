package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

  @Test
  void aByteBufferReadTakesEveryQueuedChunkThatFits() throws Exception {
    StreamedBody body = (StreamedBody) body();
    StringBuilder sent = new StringBuilder("x".repeat(100));
    for (char c = 'a'; c < 'k'; c++) {
      write(String.valueOf(c).repeat(100));
      sent.append(String.valueOf(c).repeat(100));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> body.available() == 1100);

    ByteBuffer first = ByteBuffer.allocateDirect(150);
    ByteBuffer rest = ByteBuffer.allocateDirect(5000);

    assertThat(body.read(first)).as("across the first two chunks").isEqualTo(150);
    assertThat(body.read(rest)).as("every chunk queued, in one read").isEqualTo(950);
    assertThat(text(first) + text(rest)).isEqualTo(sent.toString());
    assertThat(body.available()).isZero();
    body.close();
  }

  @Test
  void aGatheringReaderWakesOnceEnoughBytesArrived() throws Exception {
    StreamedBody body = (StreamedBody) body();
    CompletableFuture<Void> gathered =
        CompletableFuture.runAsync(() -> gather(body, 1000, Duration.ofMinutes(5)));

    write("z".repeat(900));

    // Well before its linger: the arrival that made 1,000 bytes woke it.
    gathered.get(30, TimeUnit.SECONDS);
    assertThat(body.available()).isEqualTo(1000);
    body.close();
  }

  @Test
  void aGatheringReaderTakesWhatIsThereOnceItsLingerPassed() throws Exception {
    StreamedBody body = (StreamedBody) body();
    await().atMost(Duration.ofSeconds(10)).until(() -> body.available() == 100);

    CompletableFuture.runAsync(() -> gather(body, 1_000_000, Duration.ofMillis(20)))
        .get(30, TimeUnit.SECONDS);

    assertThat(body.read(new byte[1_000_000])).isEqualTo(100);
    body.close();
  }

  @Test
  void aGatheringReaderWithNothingQueuedWaitsForTheFirstBytesPastItsLinger() throws Exception {
    StreamedBody body = (StreamedBody) body();
    assertThat(body.readNBytes(100)).hasSize(100);
    AtomicInteger queuedOnWaking = new AtomicInteger(-1);
    Thread reader =
        new Thread(
            () -> {
              gather(body, 1000, Duration.ofMillis(1));
              queuedOnWaking.set(body.available());
            });
    reader.start();

    // Past the linger, with nothing to take, it waits without a deadline, as a read would.
    await().atMost(Duration.ofSeconds(10)).until(() -> reader.getState() == Thread.State.WAITING);
    write("w".repeat(10));

    reader.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(queuedOnWaking.get()).isEqualTo(10);
    body.close();
  }

  @Test
  void aCutOffWakesAGatheringReader() throws Exception {
    StreamedBody body = (StreamedBody) body();
    assertThat(body.readNBytes(100)).hasSize(100);
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                body.awaitGathered(1000, Duration.ofMinutes(5));
                outcome.complete(null);
              } catch (IOException e) {
                outcome.complete(e);
              }
            });
    reader.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> reader.getState() != Thread.State.RUNNABLE);

    reader.interrupt();

    assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(InterruptedIOException.class);
    body.close();
  }

  @Test
  void theEndOfTheBodyWakesAGatheringReader() throws Exception {
    StreamedBody body = (StreamedBody) body();
    CompletableFuture<Void> gathered =
        CompletableFuture.runAsync(() -> gather(body, 1_000_000, Duration.ofMinutes(5)));

    HttpServerResponse response = answering.get();
    vertx.runOnContext(go -> response.end("v".repeat(199_900)));

    gathered.get(30, TimeUnit.SECONDS);
    assertThat(body.readAllBytes()).hasSize(200_000);
  }

  private void write(String text) throws Exception {
    HttpServerResponse response = answering.get();
    vertx.runOnContext(go -> response.write(text));
  }

  private static String text(ByteBuffer buffer) {
    return StandardCharsets.US_ASCII.decode(buffer.flip()).toString();
  }

  private static void gather(StreamedBody body, int bytes, Duration linger) {
    try {
      body.awaitGathered(bytes, linger);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
