package io.dockmaster.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Sends AdmissionReviews to the webhook over HTTPS/1.1 keep-alive connections, as kube-apiserver
 * does, trusting only the webhook's generated CA. Every reply is checked: 200 with {@code
 * "allowed":true}, or it counts as denied or failed. All requests and their completions run on one
 * event loop, so the histograms need no locking.
 */
final class WebhookLoad implements AutoCloseable {

  private static final long REQUEST_TIMEOUT_MS = 15_000;

  /** Allowed, denied (a 200 saying no) and failed (anything else) replies. */
  static final class Tally {
    long allowed;
    long denied;
    long failed;
    String firstProblem;

    void count(Reply reply) {
      if (reply.allowed()) {
        allowed++;
        return;
      }
      if (reply.status() == 200) {
        denied++;
      } else {
        failed++;
      }
      if (firstProblem == null) {
        firstProblem = reply.status() + " " + reply.body();
      }
    }

    long total() {
      return allowed + denied + failed;
    }

    String describe() {
      return allowed
          + " allowed, "
          + denied
          + " denied, "
          + failed
          + " failed"
          + (firstProblem == null ? "" : " (first: " + firstProblem.strip() + ")");
    }
  }

  record Reply(int status, boolean allowed, String body) {}

  /**
   * @param latency from the time the request was due to its reply (open loop) or from its send
   *     (closed loop, sequential)
   * @param service from the actual send to the reply
   * @param maxSendLagMillis how late the generator dispatched its worst request
   */
  record Result(
      LatencyStats latency,
      LatencyStats service,
      Tally tally,
      double throughput,
      double seconds,
      double maxSendLagMillis) {}

  private final Vertx vertx;
  private final HttpClient client;
  private final Context context;
  private final int port;

  WebhookLoad(int port, Path caCertificate, int connections) {
    this.port = port;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setSsl(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(caCertificate.toString()))
                .setVerifyHost(true)
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setKeepAliveTimeout(90)
                .setPipelining(false),
            new PoolOptions().setHttp1MaxSize(connections));
    this.context = vertx.getOrCreateContext();
  }

  /** One request, answered or failed; never fails itself. Runs on the event loop. */
  private Future<Reply> send(byte[] body) {
    return client
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI("/validate")
                .setIdleTimeout(REQUEST_TIMEOUT_MS)
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "application/json"))
        .compose(request -> request.send(Buffer.buffer(body)))
        .compose(
            response ->
                response
                    .body()
                    .map(
                        reply -> {
                          String text = reply.toString();
                          return new Reply(
                              response.statusCode(),
                              response.statusCode() == 200 && text.contains("\"allowed\":true"),
                              text);
                        }))
        .recover(failure -> Future.succeededFuture(new Reply(-1, false, failure.toString())));
  }

  /** One request from the calling thread, waiting for its reply. */
  Reply call(byte[] body) {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    context.runOnContext(v -> send(body).onComplete(r -> reply.complete(r.result())));
    try {
      return reply.get(REQUEST_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("no reply from the webhook", e);
    }
  }

  /**
   * Open loop: request i is due at start + i/rate whatever happened to earlier ones, and its
   * latency counts from then, so a stalled server is charged for every request it held up (no
   * coordinated omission).
   */
  Result openLoop(ReviewBodies bodies, int rate, Duration duration) {
    long interval = 1_000_000_000L / rate;
    int total = (int) (duration.toNanos() / interval);
    Histogram latency = LatencyStats.histogram();
    Histogram service = LatencyStats.histogram();
    Tally tally = new Tally();
    long[] lastDone = {0};
    CountDownLatch done = new CountDownLatch(total);
    long start = System.nanoTime() + 20_000_000L;
    long maxLag = 0;
    for (int i = 0; i < total; i++) {
      long due = start + i * interval;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      maxLag = Math.max(maxLag, System.nanoTime() - due);
      byte[] body = bodies.next();
      context.runOnContext(
          v -> {
            long sent = System.nanoTime();
            send(body)
                .onComplete(
                    r -> {
                      long now = System.nanoTime();
                      latency.recordValue(Math.max(1, (now - due) / 1000));
                      service.recordValue(Math.max(1, (now - sent) / 1000));
                      tally.count(r.result());
                      lastDone[0] = now;
                      done.countDown();
                    });
          });
    }
    await(done, duration.plusSeconds(REQUEST_TIMEOUT_MS / 1000 + 5));
    double seconds = (lastDone[0] - start) / 1e9;
    double lagMillis = maxLag / 1e6;
    return onLoop(
        () ->
            new Result(
                LatencyStats.of(latency),
                LatencyStats.of(service),
                tally,
                tally.allowed / seconds,
                seconds,
                lagMillis));
  }

  /** Closed loop: {@code concurrency} requests always in flight, each sent when one returns. */
  Result closedLoop(ReviewBodies bodies, int concurrency, Duration duration) {
    Histogram latency = LatencyStats.histogram();
    Tally tally = new Tally();
    CountDownLatch done = new CountDownLatch(concurrency);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long[] lastDone = {start};
    for (int k = 0; k < concurrency; k++) {
      context.runOnContext(v -> keepSending(bodies, end, latency, tally, lastDone, done));
    }
    await(done, duration.plusSeconds(REQUEST_TIMEOUT_MS / 1000 + 5));
    double seconds = (lastDone[0] - start) / 1e9;
    return onLoop(
        () -> {
          LatencyStats stats = LatencyStats.of(latency);
          return new Result(stats, stats, tally, tally.allowed / seconds, seconds, 0);
        });
  }

  private void keepSending(
      ReviewBodies bodies,
      long end,
      Histogram latency,
      Tally tally,
      long[] lastDone,
      CountDownLatch done) {
    if (System.nanoTime() >= end) {
      done.countDown();
      return;
    }
    long sent = System.nanoTime();
    send(bodies.next())
        .onComplete(
            r -> {
              long now = System.nanoTime();
              latency.recordValue(Math.max(1, (now - sent) / 1000));
              tally.count(r.result());
              lastDone[0] = now;
              keepSending(bodies, end, latency, tally, lastDone, done);
            });
  }

  /** One request at a time, each timed from send to reply. */
  List<Long> sequential(List<byte[]> bodies, Tally tally) {
    List<Long> nanos = new ArrayList<>();
    for (byte[] body : bodies) {
      long start = System.nanoTime();
      Reply reply = call(body);
      nanos.add(System.nanoTime() - start);
      tally.count(reply);
    }
    return nanos;
  }

  /** Reads what the event loop wrote, with a happens-before edge. */
  private <T> T onLoop(java.util.function.Supplier<T> read) {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> result.complete(read.get()));
    return result.join();
  }

  private static void await(CountDownLatch latch, Duration timeout) {
    try {
      if (!latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(latch.getCount() + " requests still unanswered");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    client.close();
    vertx
        .close()
        .toCompletionStage()
        .toCompletableFuture()
        .orTimeout(10, TimeUnit.SECONDS)
        .exceptionally(failure -> null)
        .join();
  }
}
