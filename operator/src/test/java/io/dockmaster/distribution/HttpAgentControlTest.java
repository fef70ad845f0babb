package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.ControlPaths;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.peering.TlsAgentServers;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator's control client against real TLS agent servers on localhost. */
class HttpAgentControlTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static TlsAgentServers agents;
  static HttpAgentControl control;

  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicReference<String> caller = new AtomicReference<>();

  @BeforeAll
  static void setUp() {
    agents = new TlsAgentServers();
    control = new HttpAgentControl(agents.vertx(), agents.operatorTls());
  }

  @AfterAll
  static void tearDown() throws Exception {
    control.close();
    agents.close();
  }

  @AfterEach
  void stopServers() throws Exception {
    agents.stopServers();
  }

  @Test
  void callsReachTheAgentNamedOverAFewSharedConnections() throws Exception {
    AgentLease agent = lease("node-a", serve("node-a", answerWithReport("node-a")));

    ExecutorService callers = Executors.newFixedThreadPool(40);
    List<CompletableFuture<AgentReport>> calls = new ArrayList<>();
    for (int call = 0; call < 40; call++) {
      calls.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return control.inventory(agent, List.of());
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              },
              callers));
    }
    for (CompletableFuture<AgentReport> call : calls) {
      assertThat(call.get(20, TimeUnit.SECONDS).node()).isEqualTo("node-a");
    }

    assertThat(caller).hasValue("dockmaster-operator");
    assertThat(requests).hasValue(40);
    assertThat(agents.connections.get())
        .as("connections opened for 40 calls at once")
        .isBetween(1, HttpAgentControl.CONNECTIONS_PER_AGENT);
    callers.shutdown();
  }

  @Test
  void heldInventoriesOfManyMirrorsDoNotHoldUpOtherCalls() throws Exception {
    CompletableFuture<Void> change = new CompletableFuture<>();
    Consumer<HttpServerRequest> report = answerWithReport("node-a");
    AgentLease agent =
        lease(
            "node-a",
            serve(
                "node-a",
                request -> {
                  if (request.path().equals(ControlPaths.INVENTORY)) {
                    change.thenRun(() -> report.accept(request));
                  } else {
                    report.accept(request);
                  }
                }));
    int mirrors = HttpAgentControl.CONNECTIONS_PER_AGENT * 2;
    List<CompletableFuture<AgentReport>> held = new ArrayList<>();
    for (int mirror = 0; mirror < mirrors; mirror++) {
      held.add(control.awaitInventory(agent, List.of(), 1, Duration.ofSeconds(30)));
    }
    Awaitility.await().until(() -> requests.get() == mirrors);

    assertThat(control.order(agent, List.of()).node()).isEqualTo("node-a");
    assertThat(held).noneMatch(CompletableFuture::isDone);
    assertThat(agents.connections.get())
        .as(
            "connections for %d held calls (streams of one HTTP/2 connection) and an order",
            mirrors)
        .isEqualTo(2);
    change.complete(null);
    for (CompletableFuture<AgentReport> each : held) {
      assertThat(each.get(10, TimeUnit.SECONDS).node()).isEqualTo("node-a");
    }
  }

  @Test
  void anAddressServedByAnotherAgentGetsNothing() throws Exception {
    String endpoint = serve("node-b", answerWithReport("node-b"));

    assertThatThrownBy(() -> control.inventory(lease("node-a", endpoint), List.of()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            endpoint + " is served by dockmaster-agent:node-b, not dockmaster-agent:node-a");
    assertThat(requests).as("requests the wrong agent received").hasValue(0);

    // The same address asked for the agent that does serve it still works.
    assertThat(control.inventory(lease("node-b", endpoint), List.of()).node()).isEqualTo("node-b");
  }

  @Test
  void anErrorAnswerNamesTheAgentTheCallAndWhatItSaid() throws Exception {
    AgentLease agent =
        lease(
            "node-a",
            serve("node-a", request -> request.response().setStatusCode(409).end("pins conflict")));

    assertThatThrownBy(() -> control.inventory(agent, List.of()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "agent node-a answered POST "
                + ControlPaths.INVENTORY
                + " with HTTP 409: pins conflict");
  }

  @Test
  void aHeldInventoryCompletesWhereABlockingCallIsAllowed() throws Exception {
    AgentLease agent = lease("node-a", serve("node-a", answerWithReport("node-a")));

    // A continuation that calls the agent again would deadlock on an event-loop thread.
    CompletableFuture<AgentReport> again =
        control
            .awaitInventory(agent, List.of(), 0, Duration.ofSeconds(1))
            .thenApply(
                first -> {
                  try {
                    return control.inventory(agent, List.of());
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });

    assertThat(again.get(20, TimeUnit.SECONDS).node()).isEqualTo("node-a");
  }

  @Test
  void aHeldInventoryCompletesWhenTheAgentAnswersNotWhenItsWaitEnds() throws Exception {
    CompletableFuture<Void> change = new CompletableFuture<>();
    Consumer<HttpServerRequest> report = answerWithReport("node-a");
    AgentLease agent =
        lease("node-a", serve("node-a", request -> change.thenRun(() -> report.accept(request))));

    CompletableFuture<AgentReport> held =
        control.awaitInventory(agent, List.of(), 1, Duration.ofSeconds(30));
    Awaitility.await().until(() -> requests.get() == 1);
    assertThat(held).isNotDone();
    change.complete(null);

    assertThat(held.get(10, TimeUnit.SECONDS).node()).isEqualTo("node-a");
  }

  @Test
  void anAgentThatNeverAnswersTimesOutNamingIt() throws Exception {
    AgentLease agent = lease("node-a", serve("node-a", request -> {}));

    CompletableFuture<AgentReport> held =
        control.awaitInventory(agent, List.of(), 0, Duration.ZERO);

    assertThatThrownBy(() -> held.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IOException.class)
        .cause()
        .hasMessageStartingWith("agent node-a did not answer POST " + ControlPaths.INVENTORY);
  }

  @Test
  void anAgentThatTricklesAnAnswerIsCutOffAtTheDeadlineAndItsStreamReset() throws Exception {
    AtomicInteger closedStreams = new AtomicInteger();
    AgentLease agent =
        lease(
            "node-a",
            serve(
                "node-a",
                request -> {
                  // A byte now and then restarts Vert.x's idle timeout: only the deadline ends it.
                  HttpServerResponse response = request.response().setChunked(true);
                  long trickle = agents.vertx().setPeriodic(300, tick -> response.write(" "));
                  response.closeHandler(
                      closed -> {
                        agents.vertx().cancelTimer(trickle);
                        closedStreams.incrementAndGet();
                      });
                  response.write(" ");
                }));

    CompletableFuture<AgentReport> held =
        control.awaitInventory(agent, List.of(), 0, Duration.ofMillis(100));

    assertThatThrownBy(() -> held.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IOException.class)
        .cause()
        .hasMessageStartingWith(
            "agent node-a did not finish answering POST " + ControlPaths.INVENTORY + " within")
        .hasMessageEndingWith("the call was reset");
    Awaitility.await()
        .alias("the agent sees the abandoned stream closed")
        .until(() -> closedStreams.get() == 1);
  }

  private static Consumer<HttpServerRequest> answerWithReport(String node) {
    return request -> {
      try {
        request
            .response()
            .putHeader("Content-Type", "application/json")
            .end(JSON.writeValueAsString(new AgentReport(node, List.of(), 0, 0, 0, 0, 0, 1)));
      } catch (IOException e) {
        request.response().setStatusCode(500).end(e.getMessage());
      }
    };
  }

  /** Starts the agent server of {@code node}; returns its endpoint. */
  private String serve(String node, Consumer<HttpServerRequest> handler) throws Exception {
    return agents.serve(
        node,
        request -> {
          requests.incrementAndGet();
          try {
            caller.set(PeerTls.peerOf(request.sslSession()).commonName());
          } catch (SSLPeerUnverifiedException e) {
            request.response().setStatusCode(403).end(e.getMessage());
            return;
          }
          request.body().onSuccess(body -> handler.accept(request));
        });
  }

  private static AgentLease lease(String node, String endpoint) {
    Instant now = Instant.now();
    return new AgentLease(node, endpoint, "linux/amd64", 0, 0, now, now, 30);
  }
}
