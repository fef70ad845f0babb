package io.dockmaster.operator;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Serves {@code /healthz}, {@code /readyz} and the Prometheus {@code /metrics} on a plain HTTP port
 * meant for the kubelet and Prometheus only (no secrets are served here).
 */
public final class HealthServer implements AutoCloseable {

  private final Vertx vertx;
  private final HttpServer server;

  private HealthServer(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  public static HealthServer start(
      String host,
      int port,
      PrometheusMeterRegistry metrics,
      BooleanSupplier live,
      BooleanSupplier ready) {
    Vertx vertx = Vertx.vertx();
    HttpServer server =
        vertx.createHttpServer().requestHandler(request -> handle(request, metrics, live, ready));
    try {
      server.listen(port, host).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      vertx.close();
      throw new IllegalStateException("interrupted while opening the health port", e);
    } catch (ExecutionException | TimeoutException e) {
      vertx.close();
      throw new IllegalStateException(
          "cannot listen on "
              + host
              + ":"
              + port
              + " for health and metrics ("
              + rootMessage(e)
              + "); pick another port with --health-port",
          e);
    }
    return new HealthServer(vertx, server);
  }

  public int port() {
    return server.actualPort();
  }

  private static void handle(
      HttpServerRequest request,
      PrometheusMeterRegistry metrics,
      BooleanSupplier live,
      BooleanSupplier ready) {
    switch (request.path()) {
      case "/metrics" ->
          request
              .response()
              .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
              .end(metrics.scrape());
      case "/healthz" -> probe(request, live.getAsBoolean());
      case "/readyz" -> probe(request, ready.getAsBoolean());
      default -> request.response().setStatusCode(404).end("not found\n");
    }
  }

  private static void probe(HttpServerRequest request, boolean ok) {
    request.response().setStatusCode(ok ? 200 : 503).end(ok ? "ok\n" : "not ready\n");
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  @Override
  public void close() {
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }
}
