package io.dockmaster.peering;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Agent peer servers on localhost for tests: real mutual TLS from {@link
 * PeerTls#vertxServerOptions} with certificates of a fresh agent CA, each answering with the
 * handler it is given.
 */
public final class TlsAgentServers implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final AgentCertificateAuthority ca =
      AgentCertificateAuthority.generate(Duration.ofDays(1), Clock.systemUTC());
  private final List<HttpServer> servers = new ArrayList<>();

  /** Connections accepted by every server so far. */
  public final AtomicInteger connections = new AtomicInteger();

  public Vertx vertx() {
    return vertx;
  }

  public AgentCertificateAuthority ca() {
    return ca;
  }

  /** An identity of the agent on {@code node}, issued by this CA. */
  public Supplier<PeerIdentity> agent(String node) {
    PeerIdentity identity = ca.issueAgentIdentity(node, Duration.ofHours(1));
    return () -> identity;
  }

  /** The operator's TLS settings with this CA. */
  public PeerTls operatorTls() {
    PeerIdentity operator = ca.issueOperatorIdentity();
    return new PeerTls(() -> operator, ca.certificate());
  }

  /** Starts the agent server of {@code node}; returns its endpoint, {@code https://127.0.0.1:N}. */
  public String serve(String node, Handler<HttpServerRequest> handler) throws Exception {
    return "https://127.0.0.1:" + listen(agent(node), handler);
  }

  /** Starts a server presenting whatever {@code identity} supplies at each handshake. */
  public int listen(Supplier<PeerIdentity> identity, Handler<HttpServerRequest> handler)
      throws Exception {
    PeerTls tls = new PeerTls(identity, ca.certificate());
    HttpServer server =
        vertx
            .createHttpServer(tls.vertxServerOptions().setHost("127.0.0.1").setPort(0))
            .connectionHandler(connection -> connections.incrementAndGet())
            .requestHandler(handler);
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    servers.add(server);
    return server.actualPort();
  }

  /** Stops the servers started so far; the CA and Vert.x stay for the next test. */
  public void stopServers() throws Exception {
    for (HttpServer server : servers) {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    servers.clear();
    connections.set(0);
  }

  @Override
  public void close() throws Exception {
    stopServers();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
