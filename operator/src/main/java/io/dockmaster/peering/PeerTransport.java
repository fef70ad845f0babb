package io.dockmaster.peering;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x that carries agent traffic (an agent's peer server and blob client, the operator's
 * agent control). It runs on Linux's epoll through netty's native transport where that loads: the
 * event loops move every byte of every blob, and epoll costs them fewer system calls and less
 * garbage per read and write than Java's NIO selector. Elsewhere it is NIO, and the log says why.
 */
public final class PeerTransport {

  private static final Logger log = LoggerFactory.getLogger(PeerTransport.class);

  private PeerTransport() {}

  public static Vertx start() {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    if (vertx.isNativeTransportEnabled()) {
      log.info("agent traffic runs on netty's native epoll transport");
    } else {
      Throwable cause = vertx.unavailableNativeTransportCause();
      log.info(
          "agent traffic runs on Java NIO; the native transport is unavailable: {}",
          cause == null ? "not on this platform" : cause.toString());
    }
    return vertx;
  }
}
