package io.dockmaster.testing;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Service in miniature: spreads TCP connections round-robin over the backends whose readiness
 * endpoint answers 200, polled as the kubelet and the endpoints controller would. A connection
 * stays with the backend it was given, byte for byte (TLS passes through), and half-closes are
 * passed on, so a backend that closes its side after an answer is seen to by the client.
 */
public final class TcpBalancer implements AutoCloseable {

  private static final Duration READINESS_PERIOD = Duration.ofMillis(100);
  private static final int BUFFER_BYTES = 64 * 1024;

  private final ServerSocket server;
  private final List<Backend> backends = new CopyOnWriteArrayList<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads;
  private final HttpClient probes =
      // HTTP/1.1 as the kubelet probes; the JDK's default h2c upgrade is not what is under test.
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1))
          .build();
  private final AtomicInteger turn = new AtomicInteger();
  private final AtomicLong turnedAway = new AtomicLong();
  private volatile boolean closed;

  private TcpBalancer(ServerSocket server) {
    this.server = server;
    AtomicInteger counter = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "tcp-balancer-" + counter.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  public static TcpBalancer start() throws IOException {
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress("127.0.0.1", 0), 256);
    TcpBalancer balancer = new TcpBalancer(server);
    balancer.threads.execute(balancer::acceptLoop);
    balancer.threads.execute(balancer::probeLoop);
    return balancer;
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Routes to 127.0.0.1:port once http://127.0.0.1:readyPort/readyz answers 200. */
  public void add(int port, int readyPort) {
    backends.add(new Backend(port, URI.create("http://127.0.0.1:" + readyPort + "/readyz")));
  }

  /** Routes to 127.0.0.1:port for as long as it runs, as a backend without a readiness probe. */
  public void add(int port) {
    Backend backend = new Backend(port, null);
    backend.ready = true;
    backends.add(backend);
  }

  /** Backends that answered their last readiness probe. */
  public List<Integer> readyPorts() {
    return backends.stream().filter(b -> b.ready).map(b -> b.port).toList();
  }

  /** Connections closed at once: no backend was ready, or the chosen one did not accept. */
  public long turnedAway() {
    return turnedAway.get();
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    sockets.forEach(TcpBalancer::closeQuietly);
    threads.shutdownNow();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void probeLoop() {
    while (!closed) {
      for (Backend backend : backends) {
        if (backend.readiness != null) {
          backend.ready = probe(backend.readiness);
        }
      }
      try {
        Thread.sleep(READINESS_PERIOD.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private boolean probe(URI readiness) {
    try {
      return probes
              .send(
                  HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(1)).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      threads.execute(() -> connect(client));
    }
  }

  private void connect(Socket client) {
    List<Backend> ready = backends.stream().filter(b -> b.ready).toList();
    if (ready.isEmpty()) {
      turnedAway.incrementAndGet();
      closeQuietly(client);
      return;
    }
    Backend backend = ready.get(Math.floorMod(turn.getAndIncrement(), ready.size()));
    Socket upstream = new Socket();
    try {
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(new InetSocketAddress("127.0.0.1", backend.port), 1_000);
    } catch (IOException e) {
      // As kube-proxy does: no second choice; a backend that stops listening while still in
      // the endpoints costs its callers their connection.
      turnedAway.incrementAndGet();
      closeQuietly(upstream);
      closeQuietly(client);
      return;
    }
    sockets.add(client);
    sockets.add(upstream);
    Connection connection = new Connection(client, upstream);
    threads.execute(() -> connection.pump(client, upstream));
    connection.pump(upstream, client);
  }

  private static final class Backend {
    final int port;
    final URI readiness;
    volatile boolean ready;

    Backend(int port, URI readiness) {
      this.port = port;
      this.readiness = readiness;
    }
  }

  /** The two sockets of one connection; closed once both directions are done. */
  private final class Connection {
    private final Socket client;
    private final Socket upstream;
    private final AtomicInteger openDirections = new AtomicInteger(2);

    Connection(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void pump(Socket from, Socket to) {
      byte[] buffer = new byte[BUFFER_BYTES];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
        }
        to.shutdownOutput();
      } catch (IOException e) {
        // A reset on either side ends the whole connection, as it would end to end.
        closeBoth();
      } finally {
        if (openDirections.decrementAndGet() == 0) {
          closeBoth();
        }
      }
    }

    private void closeBoth() {
      closeQuietly(client);
      closeQuietly(upstream);
      sockets.remove(client);
      sockets.remove(upstream);
    }
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // closing a socket the peer already reset
    }
  }
}
