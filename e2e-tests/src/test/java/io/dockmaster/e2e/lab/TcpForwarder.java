package io.dockmaster.e2e.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forwards TCP connections from a listen address to a target, byte for byte in both directions.
 * Half-closes are passed on (a client that shuts down its sending side still gets the response),
 * and a connection ends when both directions have. {@link #close} stops listening and cuts every
 * open connection.
 */
public final class TcpForwarder implements AutoCloseable {

  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int BUFFER_BYTES = 64 * 1024;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final ExecutorService threads;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();
  private volatile boolean closed;

  private TcpForwarder(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
    AtomicInteger counter = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread =
                  new Thread(
                      task,
                      "tcp-forward-" + server.getLocalPort() + "-" + counter.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Listens on {@code listen} (port 0 picks a free one) and forwards to {@code target}. */
  public static TcpForwarder start(InetSocketAddress listen, InetSocketAddress target)
      throws IOException {
    ServerSocket server = new ServerSocket();
    try {
      server.setReuseAddress(true);
      server.bind(listen, 256);
    } catch (IOException e) {
      server.close();
      throw new IOException(
          "cannot listen on " + listen + " to forward to " + target + ": " + e.getMessage(), e);
    }
    TcpForwarder forwarder = new TcpForwarder(server, target);
    forwarder.threads.execute(forwarder::acceptLoop);
    return forwarder;
  }

  public InetSocketAddress listenAddress() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  public long connectionsAccepted() {
    return accepted.get();
  }

  /** Connections with at least one direction still open. */
  public int openConnections() {
    return sockets.size() / 2;
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    sockets.forEach(TcpForwarder::closeQuietly);
    threads.shutdownNow();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed) {
          System.err.println("tcp forwarder " + listenAddress() + " stopped accepting: " + e);
        }
        return;
      }
      accepted.incrementAndGet();
      threads.execute(() -> connect(client));
    }
  }

  private void connect(Socket client) {
    Socket upstream = new Socket();
    try {
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      // The client sees its connection closed, as if the target had refused it.
      closeQuietly(upstream);
      closeQuietly(client);
      return;
    }
    sockets.add(client);
    sockets.add(upstream);
    if (closed) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    Connection connection = new Connection(client, upstream);
    threads.execute(() -> connection.pump(client, upstream));
    connection.pump(upstream, client);
  }

  /** The two sockets of one forwarded connection; closed once both directions are done. */
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
        // A reset or a close on either side ends the whole connection, as it would end-to-end.
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

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // closing a socket the peer already reset
    }
  }
}
