package io.dockmaster.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A registry on loopback that holds the first connection made to it, unanswered, until {@link
 * #release()}: a reconciliation that reaches it is caught in flight. After that it answers as a
 * plain-HTTP registry that has no manifests: TLS handshakes get the HTTP 400 a plain server sends
 * (so the operator falls back to HTTP, as for the dev registry), {@code /v2/} 200, anything else
 * 404 {@code MANIFEST_UNKNOWN}.
 */
final class HeldUpstream implements AutoCloseable {

  private static final int TLS_HANDSHAKE = 0x16;
  private static final String NOT_FOUND_BODY =
      "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}";

  private final ServerSocket server;
  private final ExecutorService connections =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "held-upstream");
            t.setDaemon(true);
            return t;
          });
  private final AtomicBoolean first = new AtomicBoolean(true);
  private final CountDownLatch holding = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private final List<Instant> manifestAnswers = new CopyOnWriteArrayList<>();

  private HeldUpstream(ServerSocket server) {
    this.server = server;
  }

  static HeldUpstream start() throws IOException {
    HeldUpstream upstream =
        new HeldUpstream(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    upstream.connections.execute(upstream::accept);
    return upstream;
  }

  /** As an ImageMirror's {@code spec.upstream.registry}. */
  String registry() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Whether a connection is being held now. */
  boolean holding() {
    return holding.getCount() == 0 && released.getCount() > 0;
  }

  void release() {
    released.countDown();
  }

  /** When each manifest request was answered (404), oldest first. */
  List<Instant> manifestAnswers() {
    return List.copyOf(manifestAnswers);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        connections.execute(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      if (first.compareAndSet(true, false)) {
        holding.countDown();
        released.await();
      }
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      int firstByte = in.read();
      if (firstByte == TLS_HANDSHAKE) {
        out.write("HTTP/1.0 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return;
      }
      String requestLine = (char) firstByte + readHead(in).split("\r\n", 2)[0];
      boolean ping = requestLine.matches("(GET|HEAD) /v2/? HTTP.*");
      String body = ping ? "{}" : NOT_FOUND_BODY;
      out.write(
          ((ping ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found")
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length()
                  + "\r\nConnection: close\r\n\r\n"
                  + (requestLine.startsWith("HEAD") ? "" : body))
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      if (requestLine.contains("/manifests/")) {
        manifestAnswers.add(Instant.now());
      }
    } catch (IOException e) {
      // The client went away; what it saw is for the test to judge.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The request line and headers, up to the blank line. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
        break;
      }
    }
    return head.toString();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    release();
    server.close();
    connections.shutdownNow();
    connections.awaitTermination(5, TimeUnit.SECONDS);
  }
}
