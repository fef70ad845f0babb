package io.dockmaster.agent;

import io.dockmaster.peering.PeerName;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.peering.StreamedBody;
import io.dockmaster.status.ErrorMessages;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GETs blobs from peer agents over mutual TLS, through one pooled Vert.x client for every peer (its
 * event loops do the TLS, natively where {@link PeerTls} found OpenSSL), handing the body to the
 * transfer thread as a blocking stream. Connections are pooled by address, so each request checks
 * which agent its connection reached before it is sent.
 */
final class PeerBlobClient implements BlobSources.PeerBlobs, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PeerBlobClient.class);

  private static final int KEEP_ALIVE_SECONDS = 60;

  /** A connection from the pool: a new one is a TCP connect (5 s at most) and a TLS handshake. */
  private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(15);

  private final HttpClient client;
  private final Duration responseTimeout;
  private final Duration idleTimeout;

  /**
   * @param maxTransfers transfers the agent runs at once: every one may fetch from the same peer,
   *     each holding a connection for a whole blob, so none waits for another's connection
   * @param responseTimeout for the answer's status and headers once the request is sent
   * @param stallTimeout the transfers' stall watchdog, which watches the body: a peer relaying a
   *     blob it is still receiving may pause that long, so the connection's idle timeout is twice
   *     it, a backstop for a request nobody reads any more
   */
  PeerBlobClient(
      Vertx vertx, PeerTls tls, int maxTransfers, Duration responseTimeout, Duration stallTimeout) {
    this.responseTimeout = responseTimeout;
    this.idleTimeout = stallTimeout.multipliedBy(2);
    this.client =
        vertx.createHttpClient(
            tls.vertxAgentClientOptions().setKeepAliveTimeout(KEEP_ALIVE_SECONDS),
            new PoolOptions().setHttp1MaxSize(maxTransfers));
  }

  @Override
  public BlobSources.PeerAnswer get(String node, String uri, long offset)
      throws IOException, InterruptedException {
    PeerName expected = PeerName.agent(node);
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(uri)
            .setConnectTimeout(CONNECTION_TIMEOUT.toMillis())
            .setIdleTimeout(idleTimeout.toMillis());
    if (offset > 0) {
      options.putHeader("Range", "bytes=" + offset + "-");
    }
    CompletableFuture<HttpClientRequest> connected = new CompletableFuture<>();
    CompletableFuture<BlobSources.PeerAnswer> answer = new CompletableFuture<>();
    client
        .request(options)
        .compose(
            request -> {
              connected.complete(request);
              // Failures reach the answer; without a handler Vert.x would log each at ERROR.
              request.exceptionHandler(
                  e -> log.debug("request to {} failed: {}", node, e.toString()));
              if (answer.isDone()) {
                // Abandoned while waiting for the connection: never sent, so never left hanging.
                request.reset();
                return Future.failedFuture(new InterruptedIOException("abandoned"));
              }
              try {
                PeerTls.requireReached(request.connection(), expected);
              } catch (IOException e) {
                return Future.failedFuture(
                    new IOException(request.connection().remoteAddress() + " " + e.getMessage()));
              }
              return request.send();
            })
        .onSuccess(
            response -> {
              // On the event loop, before any byte of the body is handed out.
              StreamedBody body = StreamedBody.of(response);
              if (!answer.complete(
                  new BlobSources.PeerAnswer(
                      response.statusCode(),
                      Optional.ofNullable(response.getHeader("Content-Range")),
                      body))) {
                body.close();
              }
            })
        .onFailure(
            e -> {
              connected.completeExceptionally(e);
              answer.completeExceptionally(e);
            });
    try {
      try {
        connected.get(CONNECTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        abandon(answer, connected);
        throw new IOException("no connection within " + CONNECTION_TIMEOUT.toSeconds() + "s");
      } catch (ExecutionException failedToConnect) {
        // The answer holds the same failure.
      }
      return answer.get(responseTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      abandon(answer, connected);
      throw new IOException("no answer within " + responseTimeout.toSeconds() + "s");
    } catch (InterruptedException e) {
      abandon(answer, connected);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(ErrorMessages.of(cause), cause);
    }
  }

  /**
   * Nobody waits for this answer any more: its connection is reset, never pooled. A request still
   * waiting for its connection sees the answer done and is reset before it is sent.
   */
  private static void abandon(
      CompletableFuture<BlobSources.PeerAnswer> answer,
      CompletableFuture<HttpClientRequest> connected) {
    if (!answer.completeExceptionally(new InterruptedIOException("abandoned"))) {
      answer.thenAccept(late -> closeQuietly(late.body()));
      return;
    }
    connected.thenAccept(HttpClientRequest::reset);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // A body nobody reads; closing it resets its connection.
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
