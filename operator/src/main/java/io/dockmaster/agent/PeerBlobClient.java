package io.dockmaster.agent;

import io.dockmaster.peering.PeerName;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.peering.StreamedBody;
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
import java.util.concurrent.atomic.AtomicReference;

/**
 * GETs blobs from peer agents over mutual TLS, through one pooled Vert.x client for every peer (its
 * event loops do the TLS, natively where {@link PeerTls} found OpenSSL), handing the body to the
 * transfer thread as a blocking stream. Connections are pooled by address, so each request checks
 * which agent its connection reached before it is sent.
 */
final class PeerBlobClient implements BlobSources.PeerBlobs, AutoCloseable {

  /** Blobs one agent fetches from the same peer at once; more wait for a connection. */
  static final int CONNECTIONS_PER_PEER = 16;

  private static final int KEEP_ALIVE_SECONDS = 60;

  private final HttpClient client;
  private final Duration responseTimeout;

  /**
   * @param responseTimeout for the answer's status and headers; the body is watched by the
   *     transfer's stall watchdog, since a peer relaying a blob it is still receiving may pause
   */
  PeerBlobClient(Vertx vertx, PeerTls tls, Duration responseTimeout) {
    this.responseTimeout = responseTimeout;
    this.client =
        vertx.createHttpClient(
            tls.vertxAgentClientOptions().setKeepAliveTimeout(KEEP_ALIVE_SECONDS),
            new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_PEER));
  }

  @Override
  public BlobSources.PeerAnswer get(String node, String uri, long offset)
      throws IOException, InterruptedException {
    PeerName expected = PeerName.agent(node);
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(uri)
            // Also bounds the wait for a pooled connection.
            .setConnectTimeout(responseTimeout.toMillis());
    if (offset > 0) {
      options.putHeader("Range", "bytes=" + offset + "-");
    }
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    CompletableFuture<BlobSources.PeerAnswer> answer = new CompletableFuture<>();
    client
        .request(options)
        .compose(
            request -> {
              sent.set(request);
              try {
                PeerTls.requireReached(request.connection(), expected);
              } catch (IOException e) {
                return Future.failedFuture(e);
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
        .onFailure(answer::completeExceptionally);
    try {
      return answer.get(responseTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      abandon(answer, sent);
      throw new IOException(uri + " did not answer within " + responseTimeout.toSeconds() + "s");
    } catch (InterruptedException e) {
      abandon(answer, sent);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
    }
  }

  /** Nobody waits for this answer any more: its connection is reset, never pooled. */
  private void abandon(
      CompletableFuture<BlobSources.PeerAnswer> answer, AtomicReference<HttpClientRequest> sent) {
    if (!answer.completeExceptionally(new InterruptedIOException("abandoned"))) {
      answer.thenAccept(late -> closeQuietly(late.body()));
      return;
    }
    HttpClientRequest request = sent.get();
    if (request != null) {
      request.reset();
    }
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
