package io.dockmaster.agent;

import io.dockmaster.control.ControlPaths;
import io.dockmaster.peering.PeerName;
import io.dockmaster.peering.PeerTls;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The agent's two listeners. The peer port (mutual TLS; a client without a certificate from the
 * Dockmaster agent CA does not get past the handshake) serves blobs to peer agents and the control
 * API to the operator alone. The runtime port listens on loopback only, plain HTTP as containerd
 * expects of a local mirror, and serves reads only.
 */
final class AgentServer implements AutoCloseable {

  private final HttpServer peerServer;
  private final HttpServer runtimeServer;

  private AgentServer(HttpServer peerServer, HttpServer runtimeServer) {
    this.peerServer = peerServer;
    this.runtimeServer = runtimeServer;
  }

  static AgentServer start(
      Vertx vertx,
      AgentSettings settings,
      PeerTls tls,
      BlobResponder blobs,
      ControlHandler control) {
    HttpServerOptions peerOptions =
        tls.vertxServerOptions()
            .setHost(settings.peerBindAddress())
            .setPort(settings.peerPort())
            .setCompressionSupported(false);
    HttpServer peer =
        vertx.createHttpServer(peerOptions).requestHandler(r -> routePeer(r, blobs, control));
    HttpServer runtime =
        vertx
            .createHttpServer(
                runtimeOptions()
                    .setHost(settings.runtimeBindAddress())
                    .setPort(settings.runtimePort()))
            .requestHandler(r -> blobs.handle(r, Optional.empty()));
    try {
      peer.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      runtime.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      peer.close();
      runtime.close();
      throw new IllegalStateException(
          "cannot listen on peer port "
              + settings.peerBindAddress()
              + ":"
              + settings.peerPort()
              + " or runtime port "
              + settings.runtimeBindAddress()
              + ":"
              + settings.runtimePort()
              + ": "
              + (e.getCause() == null ? e : e.getCause()).getMessage(),
          e);
    }
    return new AgentServer(peer, runtime);
  }

  /**
   * The runtime port's protocol options, without its address. containerd speaks HTTP/1.1 to a
   * mirror; an h2c upgrade only adds a code path (one test client's upgraded GET of a 40 MiB blob
   * once failed on it, and the JDK client tries it on every plain-HTTP request).
   */
  static HttpServerOptions runtimeOptions() {
    return new HttpServerOptions().setHttp2ClearTextEnabled(false);
  }

  int peerPort() {
    return peerServer.actualPort();
  }

  int runtimePort() {
    return runtimeServer.actualPort();
  }

  private static void routePeer(
      HttpServerRequest request, BlobResponder blobs, ControlHandler control) {
    Optional<PeerName> caller = callerOf(request);
    boolean operator = caller.filter(PeerName::isOperator).isPresent();
    if (request.path().startsWith(ControlPaths.PREFIX + "/")) {
      if (!operator) {
        BlobResponder.error(
            request.response(),
            403,
            "DENIED",
            "only the Dockmaster operator may use " + ControlPaths.PREFIX);
        return;
      }
      control.handle(request);
      return;
    }
    if (caller.isEmpty()) {
      BlobResponder.error(request.response(), 403, "DENIED", "not a Dockmaster identity");
      return;
    }
    blobs.handle(request, caller.map(PeerName::commonName));
  }

  /** Who holds the client certificate the handshake verified against the agent CA. */
  private static Optional<PeerName> callerOf(HttpServerRequest request) {
    try {
      return Optional.of(PeerTls.peerOf(request.sslSession()));
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    await(peerServer);
    await(runtimeServer);
  }

  private static void await(HttpServer server) {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Closing at shutdown; the process is going away either way.
    }
  }
}
