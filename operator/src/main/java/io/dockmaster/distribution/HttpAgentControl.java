package io.dockmaster.distribution;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.control.BlobChecks;
import io.dockmaster.control.BlobVerifications;
import io.dockmaster.control.ControlPaths;
import io.dockmaster.control.InventoryQuery;
import io.dockmaster.control.PinSet;
import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferOrders;
import io.dockmaster.peering.PeerName;
import io.dockmaster.peering.PeerTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * {@link AgentControl} over HTTPS with the operator's client certificate, through pooled clients
 * shared by every agent (one for held inventories, one for everything else): a few event-loop
 * threads however many agents there are, where a client per agent would cost each its own selector
 * thread. Connections are pooled by address, so every call checks which agent its connection
 * reached before it sends anything, and a connection to another agent (the address moved to another
 * node) is closed unused.
 */
public final class HttpAgentControl implements AgentControl, AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * A held inventory is answered when its wait ends; one that takes this much longer is from an
   * agent that died without closing the connection (power loss, partition).
   */
  private static final Duration HELD_MARGIN = Duration.ofSeconds(3);

  /**
   * Every call ends this long after its own timeout, whatever Vert.x does: its idle timeout
   * restarts with every byte (an agent that trickles keeps a call open for ever), and in cold bench
   * runs held HTTP/2 requests were seen that neither answered nor failed. The request is then
   * reset, so the stream does not stay open until its connection closes.
   */
  static final Duration DEADLINE_AFTER_TIMEOUT = Duration.ofSeconds(2);

  /** The agent answers after re-hashing whole blobs from disk, one at a time. */
  private static final Duration VERIFICATION_TIMEOUT = Duration.ofMinutes(10);

  /** Connections per agent for orders, pins and direct inventories; more calls queue. */
  static final int CONNECTIONS_PER_AGENT = 4;

  /**
   * Connections per agent for calls that take long: held inventories (every mirror that selects the
   * agent holds one) and re-checks (which hash whole blobs); they must never make the calls above
   * wait for a connection. Over HTTP/2 they are streams of one connection per agent (the agent
   * allows {@link PeerTls#MAX_CONCURRENT_STREAMS}); an agent that speaks only HTTP/1.1 gets a
   * connection per call.
   */
  static final int HELD_CONNECTIONS_PER_AGENT = 256;

  /** Idle connections are closed after this; agents do not time them out themselves. */
  private static final int KEEP_ALIVE_SECONDS = 60;

  private final Vertx vertx;
  private final HttpClient client;
  private final HttpClient longCallClient;

  /** Callers' continuations run here, never on an event loop that a blocking call would stall. */
  private final ExecutorService callbacks =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "agent-control-callback");
            thread.setDaemon(true);
            return thread;
          });

  private final ObjectMapper json =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * @param tls the operator's identity and the agent CA
   */
  public HttpAgentControl(Vertx vertx, PeerTls tls) {
    this.vertx = vertx;
    this.client =
        vertx.createHttpClient(
            tls.vertxAgentClientOptions().setKeepAliveTimeout(KEEP_ALIVE_SECONDS),
            new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_AGENT));
    this.longCallClient =
        vertx.createHttpClient(
            tls.vertxAgentClientOptions()
                .setKeepAliveTimeout(KEEP_ALIVE_SECONDS)
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setUseAlpn(true),
            new PoolOptions().setHttp1MaxSize(HELD_CONNECTIONS_PER_AGENT).setHttp2MaxSize(1));
  }

  @Override
  public AgentReport inventory(AgentLease agent, List<String> digests) throws IOException {
    return report(
        agent, HttpMethod.POST, ControlPaths.INVENTORY, new InventoryQuery(digests), TIMEOUT);
  }

  @Override
  public CompletableFuture<AgentReport> awaitInventory(
      AgentLease agent, List<String> digests, long afterVersion, Duration wait) {
    return call(
            longCallClient,
            agent,
            HttpMethod.POST,
            ControlPaths.INVENTORY,
            new InventoryQuery(digests, afterVersion, wait.toMillis()),
            wait.plus(HELD_MARGIN))
        .thenApply(
            body -> {
              try {
                return json.readValue(body, AgentReport.class);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  @Override
  public AgentReport order(AgentLease agent, List<TransferOrder> orders) throws IOException {
    return report(
        agent, HttpMethod.POST, ControlPaths.TRANSFERS, new TransferOrders(orders), TIMEOUT);
  }

  @Override
  public void pin(AgentLease agent, String owner, PinSet pins) throws IOException {
    send(client, agent, HttpMethod.PUT, ControlPaths.PINS + "/" + owner, pins, TIMEOUT);
  }

  @Override
  public void unpin(AgentLease agent, String owner) throws IOException {
    send(client, agent, HttpMethod.DELETE, ControlPaths.PINS + "/" + owner, null, TIMEOUT);
  }

  @Override
  public List<BlobCheck> verify(AgentLease agent, BlobVerifications request) throws IOException {
    byte[] body =
        send(
            longCallClient,
            agent,
            HttpMethod.POST,
            ControlPaths.VERIFICATIONS,
            request,
            VERIFICATION_TIMEOUT);
    if (body.length == 0) {
      // An agent of the previous release answers 204 once it has checked: what it found shows in
      // its next inventory, so the copies count as gone from this check's point of view.
      return request.digests().stream()
          .map(d -> new BlobCheck(d, BlobCheck.Outcome.ABSENT))
          .toList();
    }
    return json.readValue(body, BlobChecks.class).checks();
  }

  @Override
  public void configureRuntime(AgentLease agent, RuntimeMirrors mirrors) throws IOException {
    send(client, agent, HttpMethod.PUT, ControlPaths.RUNTIME, mirrors, TIMEOUT);
  }

  private AgentReport report(
      AgentLease agent, HttpMethod method, String path, Object body, Duration timeout)
      throws IOException {
    return json.readValue(send(client, agent, method, path, body, timeout), AgentReport.class);
  }

  private byte[] send(
      HttpClient through,
      AgentLease agent,
      HttpMethod method,
      String path,
      Object body,
      Duration timeout)
      throws IOException {
    try {
      return call(through, agent, method, path, body, timeout).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted calling agent " + agent.node());
    } catch (ExecutionException e) {
      throw asIoException(e.getCause());
    }
  }

  /**
   * The response body of a 2xx answer; fails with an {@link IOException} naming the agent and the
   * call otherwise.
   */
  private CompletableFuture<byte[]> call(
      HttpClient through,
      AgentLease agent,
      HttpMethod method,
      String path,
      Object body,
      Duration timeout) {
    Buffer payload;
    PeerName expected;
    try {
      payload = body == null ? Buffer.buffer() : Buffer.buffer(json.writeValueAsBytes(body));
      expected = PeerName.agent(agent.node());
    } catch (IOException | IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    String what = method + " " + path;
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    AtomicReference<HttpClientRequest> started = new AtomicReference<>();
    Duration deadline = timeout.plus(DEADLINE_AFTER_TIMEOUT);
    long timer =
        vertx.setTimer(
            deadline.toMillis(),
            fired -> {
              try {
                callbacks.execute(() -> giveUp(result, started, agent, what, deadline));
              } catch (RejectedExecutionException closing) {
                giveUp(result, started, agent, what, deadline);
              }
            });
    result.whenComplete((done, failed) -> vertx.cancelTimer(timer));
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setAbsoluteURI(agent.endpoint() + path)
            // Also bounds the wait for a pooled connection, which is otherwise unlimited.
            .setConnectTimeout(timeout.toMillis())
            .setIdleTimeout(timeout.toMillis())
            .putHeader("Content-Type", "application/json");
    Future<byte[]> answer =
        through
            .request(options)
            .compose(
                request -> {
                  started.set(request);
                  if (result.isDone()) {
                    // The deadline passed while the request waited for a connection.
                    resetIfStarted(started);
                    return Future.failedFuture("the call's deadline passed");
                  }
                  return sendIfReached(request, agent, expected, payload);
                })
            .compose(
                response ->
                    response
                        .body()
                        .compose(
                            received -> {
                              byte[] bytes = received.getBytes();
                              if (response.statusCode() / 100 != 2) {
                                return Future.failedFuture(
                                    new AgentCallException(
                                        "agent "
                                            + agent.node()
                                            + " answered "
                                            + what
                                            + " with HTTP "
                                            + response.statusCode()
                                            + ": "
                                            + new String(bytes, StandardCharsets.UTF_8)));
                              }
                              return Future.succeededFuture(bytes);
                            }));
    answer.onComplete(
        done -> {
          Runnable complete =
              () -> {
                if (done.succeeded()) {
                  result.complete(done.result());
                } else {
                  result.completeExceptionally(describe(done.cause(), agent, what, timeout));
                }
              };
          try {
            callbacks.execute(complete);
          } catch (RejectedExecutionException closing) {
            complete.run();
          }
        });
    return result;
  }

  private static void giveUp(
      CompletableFuture<byte[]> result,
      AtomicReference<HttpClientRequest> started,
      AgentLease agent,
      String what,
      Duration deadline) {
    String message =
        "agent " + agent.node() + " did not finish answering " + what + " within " + deadline;
    if (result.completeExceptionally(new IOException(message + "; the call was reset"))) {
      resetIfStarted(started);
    }
  }

  private static void resetIfStarted(AtomicReference<HttpClientRequest> started) {
    HttpClientRequest request = started.getAndSet(null);
    if (request != null) {
      request.reset();
    }
  }

  /** Sends the request only over a connection that reached the agent meant. */
  private static Future<HttpClientResponse> sendIfReached(
      HttpClientRequest request, AgentLease agent, PeerName expected, Buffer payload) {
    try {
      PeerTls.requireReached(request.connection(), expected);
    } catch (SSLPeerUnverifiedException e) {
      return Future.failedFuture(new AgentCallException(agent.endpoint() + " " + e.getMessage()));
    }
    return request.send(payload);
  }

  private static IOException describe(
      Throwable cause, AgentLease agent, String what, Duration timeout) {
    if (cause instanceof AgentCallException known) {
      return known;
    }
    if (cause instanceof TimeoutException) {
      return new IOException(
          "agent " + agent.node() + " did not answer " + what + " within " + timeout, cause);
    }
    return new IOException(
        "cannot call agent " + agent.node() + " (" + what + "): " + cause.getMessage(), cause);
  }

  private static IOException asIoException(Throwable cause) {
    if (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
  }

  /** A failure whose message already names the agent and what went wrong. */
  private static final class AgentCallException extends IOException {
    AgentCallException(String message) {
      super(message);
    }
  }

  @Override
  public void close() {
    client.close();
    longCallClient.close();
    callbacks.shutdownNow();
  }
}
