package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobWrite;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.cache.RelayLimits;
import io.dockmaster.cache.RelayRelease;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's blob endpoint over plain HTTP on localhost, in front of a real cache. */
class BlobResponderTest {

  private static final String PEER = "dockmaster-agent:node-b";

  @TempDir Path directory;

  private final ExecutorService streams = Executors.newCachedThreadPool();
  private final TrackingAllocator buffers = new TrackingAllocator();
  private Vertx vertx;
  private BlobCache cache;
  private String endpoint;

  @BeforeEach
  void start() throws Exception {
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
            10_000,
            buffers);
    vertx = Vertx.vertx();
    HttpServer server =
        vertx
            // Served as the agent's runtime port serves.
            .createHttpServer(AgentServer.runtimeOptions())
            .requestHandler(request -> responder.handle(request, Optional.of(PEER)))
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
  void aRelayAnswersAtOnceForABlobWhoseFirstBytesHaveNotArrivedAndThenStreamsIt() throws Exception {
    byte[] content = new byte[300_000];
    new Random(3).nextBytes(content);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();

    CompletableFuture<HttpResponse<InputStream>> answer =
        HttpClient.newHttpClient()
            .sendAsync(
                HttpRequest.newBuilder(URI.create(endpoint + "/v2/team/app/blobs/" + digest))
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());

    await()
        .alias("the asking peer has its answer before the relay's own source sent a byte")
        .until(answer::isDone);
    assertThat(write.written()).isZero();
    HttpResponse<InputStream> response = answer.get();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(content.length);

    write.write(content);
    write.commit();

    try (InputStream body = response.body()) {
      assertThat(body.readAllBytes()).isEqualTo(content);
    }
  }

  @Test
  void everyChunkBufferGoesBackOnceServedWholeOrCutOff() throws Exception {
    byte[] content = new byte[4 * 1024 * 1024];
    new Random(4).nextBytes(content);
    Digest digest = Digest.sha256(content);
    BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow();
    write.write(content);
    write.commit();
    URI blob = URI.create(endpoint + "/v2/team/app/blobs/" + digest);
    HttpClient client = HttpClient.newHttpClient();

    HttpResponse<byte[]> whole =
        client.send(HttpRequest.newBuilder(blob).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(whole.body()).isEqualTo(content);
    await().alias("the whole body's buffers released").until(buffers::allReleased);
    int wholeBuffers = buffers.handedOut();
    assertThat(wholeBuffers).as("64 KiB chunks of 4 MiB").isEqualTo(64);

    // A client that reads a little and hangs up leaves chunks queued and in flight.
    try (InputStream cut =
        client
            .send(HttpRequest.newBuilder(blob).build(), HttpResponse.BodyHandlers.ofInputStream())
            .body()) {
      assertThat(cut.readNBytes(1000)).hasSize(1000);
    }
    await()
        .alias("the cut-off body's buffers released too")
        .until(() -> buffers.handedOut() > wholeBuffers && buffers.allReleased());
  }

  @Test
  void aPeerReadingSlowlyHoldsTheWriteOfTheBlobItRelays() throws Exception {
    int size = 32 << 20;
    byte[] content = new byte[size];
    new Random(5).nextBytes(content);
    int head = 24 << 20;
    BlobWrite write = startWrite(content, head);

    // The peer takes the answer but reads nothing yet: the agent stops once the connection's
    // buffers are full, far behind what was written.
    HttpResponse<InputStream> response = get(write.digest());
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try {
                Duration patience = Duration.ofSeconds(60);
                write.awaitRelays(new RelayLimits(1 << 20, patience, patience));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            streams);

    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(30))
        .until(() -> !writer.isDone());
    InputStream body = response.body();
    assertThat(body.readNBytes(head - (512 << 10)))
        .isEqualTo(Arrays.copyOf(content, head - (512 << 10)));
    await().atMost(Duration.ofSeconds(30)).until(writer::isDone);
    assertThat(writer).isNotCompletedExceptionally();
    write.write(content, head, size - head);
    write.commit();
    assertThat(body.readAllBytes())
        .isEqualTo(Arrays.copyOfRange(content, head - (512 << 10), size));
    body.close();
  }

  @Test
  void aPeerThatStopsReadingIsLetGoByTheNameItsCertificateGives() throws Exception {
    byte[] content = new byte[32 << 20];
    new Random(6).nextBytes(content);
    BlobWrite write = startWrite(content, 24 << 20);

    HttpResponse<InputStream> response = get(write.digest());
    RelayLimits limits = new RelayLimits(1 << 20, Duration.ofMillis(500), Duration.ofSeconds(60));
    // The answer's head can arrive before the agent's stream of the body joined the write; until
    // then there is no one to wait for.
    List<RelayRelease> released = new CopyOnWriteArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              released.addAll(write.awaitRelays(limits));
              return !released.isEmpty();
            });

    assertThat(released).extracting(RelayRelease::reader).containsExactly(PEER);
    assertThat(released.get(0).still()).isTrue();
    response.body().close();
    write.abort("test over");
  }

  @Test
  void aPeerMeasuredSlowIsNotKeptPaceWith() throws Exception {
    byte[] content = new byte[32 << 20];
    new Random(7).nextBytes(content);
    BlobWrite write = startWrite(content, 24 << 20);

    HttpResponse<InputStream> response = get(write.digest(), "?pace=none");
    InputStream body = response.body();
    // Its stream has joined the write once bytes arrive; then it stops reading, 23 MiB behind.
    assertThat(body.readNBytes(1 << 20)).isEqualTo(Arrays.copyOf(content, 1 << 20));
    Duration patience = Duration.ofSeconds(60);
    CompletableFuture<List<RelayRelease>> writer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return write.awaitRelays(new RelayLimits(1 << 20, patience, patience));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            streams);

    await().atMost(Duration.ofSeconds(30)).until(writer::isDone);
    assertThat(writer.get()).as("no one was waited for, so no one was let go").isEmpty();
    body.close();
    write.abort("test over");
  }

  /** A write of {@code content} that has its first {@code head} bytes so far. */
  private BlobWrite startWrite(byte[] content, int head) throws IOException {
    BlobWrite write = cache.startWrite(Digest.sha256(content), content.length, null).orElseThrow();
    write.write(content, 0, head);
    return write;
  }

  /** A peer's GET of the blob, its body not read yet. */
  private HttpResponse<InputStream> get(Digest digest) throws Exception {
    return get(digest, "");
  }

  private HttpResponse<InputStream> get(Digest digest, String query) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(endpoint + "/v2/team/app/blobs/" + digest + query))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
  }

  /** Unpooled direct buffers, each remembered so a test can see that all were released. */
  private static final class TrackingAllocator extends AbstractByteBufAllocator {

    private final List<ByteBuf> handedOut = new CopyOnWriteArrayList<>();

    TrackingAllocator() {
      super(true);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf buffer = Unpooled.directBuffer(initialCapacity, maxCapacity);
      handedOut.add(buffer);
      return buffer;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      return Unpooled.buffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    int handedOut() {
      return handedOut.size();
    }

    boolean allReleased() {
      return handedOut.stream().allMatch(buffer -> buffer.refCnt() == 0);
    }
  }
}
