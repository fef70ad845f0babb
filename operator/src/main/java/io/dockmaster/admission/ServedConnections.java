package io.dockmaster.admission;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The webhook's open connections and how many requests each is answering, so that a shutdown can
 * retire them without cutting a request: while draining, every answer closes its connection (the
 * API server then opens its next one to another replica), and idle connections are closed once no
 * new caller is expected.
 */
final class ServedConnections {

  private final Map<HttpConnection, Integer> requests = new HashMap<>();
  private boolean draining;

  /** Counts the request against its connection until its answer is on the wire. */
  void track(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    boolean closeAfter;
    synchronized (this) {
      if (requests.putIfAbsent(connection, 0) == null) {
        connection.closeHandler(closed -> forget(connection));
      }
      requests.merge(connection, 1, Integer::sum);
      closeAfter = draining;
    }
    if (closeAfter) {
      request.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    request.response().bodyEndHandler(written -> answered(connection));
  }

  /** From now on every answer closes its connection. */
  synchronized void startDraining() {
    draining = true;
  }

  /** Closes the connections that are not answering anything now. */
  void closeIdle() {
    List<HttpConnection> idle;
    synchronized (this) {
      draining = true;
      idle =
          requests.entrySet().stream()
              .filter(e -> e.getValue() == 0)
              .map(Map.Entry::getKey)
              .toList();
    }
    idle.forEach(HttpConnection::close);
  }

  synchronized int open() {
    return requests.size();
  }

  private void answered(HttpConnection connection) {
    boolean close;
    synchronized (this) {
      Integer left = requests.computeIfPresent(connection, (c, n) -> n - 1);
      close = draining && left != null && left == 0;
    }
    if (close) {
      connection.close();
    }
  }

  private synchronized void forget(HttpConnection connection) {
    requests.remove(connection);
  }
}
