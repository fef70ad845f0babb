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
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@link AgentControl} over HTTPS with the operator's client certificate; each call accepts only a
 * server proving the identity of the agent it meant to reach.
 */
public final class HttpAgentControl implements AgentControl {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * A held inventory is answered when its wait ends; one that takes this much longer is from an
   * agent that died without closing the connection (power loss, partition).
   */
  private static final Duration HELD_MARGIN = Duration.ofSeconds(3);

  /** The agent answers after re-hashing whole blobs from disk, one at a time. */
  private static final Duration VERIFICATION_TIMEOUT = Duration.ofMinutes(10);

  private final Function<String, HttpClient> clientForNode;
  private final ObjectMapper json =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * @param clientForNode an HTTP client presenting the operator's certificate that accepts only the
   *     agent of the given node
   */
  public HttpAgentControl(Function<String, HttpClient> clientForNode) {
    this.clientForNode = clientForNode;
  }

  @Override
  public AgentReport inventory(AgentLease agent, List<String> digests) throws IOException {
    return send(agent, "POST", ControlPaths.INVENTORY, new InventoryQuery(digests), true);
  }

  @Override
  public CompletableFuture<AgentReport> awaitInventory(
      AgentLease agent, List<String> digests, long afterVersion, Duration wait) {
    HttpRequest request;
    try {
      request =
          request(
                  agent,
                  "POST",
                  ControlPaths.INVENTORY,
                  new InventoryQuery(digests, afterVersion, wait.toMillis()),
                  wait.plus(HELD_MARGIN))
              .build();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return clientForNode
        .apply(agent.node())
        .sendAsync(request, BodyHandlers.ofByteArray())
        .thenApply(
            response -> {
              try {
                return json.readValue(
                    checked(agent, "POST", ControlPaths.INVENTORY, response), AgentReport.class);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  @Override
  public AgentReport order(AgentLease agent, List<TransferOrder> orders) throws IOException {
    return send(agent, "POST", ControlPaths.TRANSFERS, new TransferOrders(orders), true);
  }

  @Override
  public void pin(AgentLease agent, String owner, PinSet pins) throws IOException {
    send(agent, "PUT", ControlPaths.PINS + "/" + owner, pins, false);
  }

  @Override
  public void unpin(AgentLease agent, String owner) throws IOException {
    send(agent, "DELETE", ControlPaths.PINS + "/" + owner, null, false);
  }

  @Override
  public List<BlobCheck> verify(AgentLease agent, List<String> digests) throws IOException {
    byte[] body =
        send(
            agent,
            "POST",
            ControlPaths.VERIFICATIONS,
            new BlobVerifications(digests),
            VERIFICATION_TIMEOUT);
    if (body.length == 0) {
      // An agent of the previous release answers 204 once it has checked: what it found shows in
      // its next inventory, so the copies count as gone from this check's point of view.
      return digests.stream().map(d -> new BlobCheck(d, BlobCheck.Outcome.ABSENT)).toList();
    }
    return json.readValue(body, BlobChecks.class).checks();
  }

  @Override
  public void configureRuntime(AgentLease agent, RuntimeMirrors mirrors) throws IOException {
    send(agent, "PUT", ControlPaths.RUNTIME, mirrors, false);
  }

  private AgentReport send(
      AgentLease agent, String method, String path, Object body, boolean expectReport)
      throws IOException {
    byte[] answer = send(agent, method, path, body, TIMEOUT);
    return expectReport ? json.readValue(answer, AgentReport.class) : null;
  }

  private byte[] send(AgentLease agent, String method, String path, Object body, Duration timeout)
      throws IOException {
    HttpClient client = clientForNode.apply(agent.node());
    HttpResponse<byte[]> response;
    try {
      response =
          client.send(
              request(agent, method, path, body, timeout).build(), BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted calling agent " + agent.node());
    }
    return checked(agent, method, path, response);
  }

  private HttpRequest.Builder request(
      AgentLease agent, String method, String path, Object body, Duration timeout)
      throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(agent.endpoint() + path))
            .timeout(timeout)
            .header("Content-Type", "application/json");
    request.method(
        method,
        body == null
            ? BodyPublishers.noBody()
            : BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
    return request;
  }

  private static byte[] checked(
      AgentLease agent, String method, String path, HttpResponse<byte[]> response)
      throws IOException {
    if (response.statusCode() / 100 != 2) {
      throw new IOException(
          "agent "
              + agent.node()
              + " answered "
              + method
              + " "
              + path
              + " with HTTP "
              + response.statusCode()
              + ": "
              + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return response.body();
  }
}
