package io.dockmaster.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A registry stand-in that speaks only plain HTTP and, as a real one does, drops a TLS handshake at
 * once (the JDK's HttpServer would wait for more bytes until the client times out). It answers
 * every request alike, one per connection, and records what each connection started with.
 */
public final class PlainHttpOnlyServer implements AutoCloseable {

  /** "TLS" or "HTTP", one per connection, in order. */
  public final List<String> connections = new CopyOnWriteArrayList<>();

  private final ServerSocket listener;
  private final Thread acceptor;
  private final byte[] response;

  /** One that takes connections and closes them unanswered, whatever they start with. */
  public static PlainHttpOnlyServer silent() throws IOException {
    return new PlainHttpOnlyServer(null);
  }

  public PlainHttpOnlyServer(int status, Map<String, String> headers, byte[] body)
      throws IOException {
    this(answer(status, headers, body));
  }

  private PlainHttpOnlyServer(byte[] response) throws IOException {
    this.response = response;
    this.listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::serve, "plain-http-only-server");
    acceptor.start();
  }

  private static byte[] answer(int status, Map<String, String> headers, byte[] body) {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Connection: close\r\n\r\n");
    answer.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
    answer.writeBytes(body);
    return answer.toByteArray();
  }

  /** host:port, as image references name registries. */
  public String address() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  private void serve() {
    while (!listener.isClosed()) {
      try (Socket connection = listener.accept()) {
        InputStream in = connection.getInputStream();
        int first = in.read();
        if (first == 0x16) {
          // A TLS record: a handshake this server cannot take.
          connections.add("TLS");
          continue;
        }
        connections.add("HTTP");
        if (response == null) {
          continue;
        }
        int last4 = first;
        while (last4 != 0x0d0a0d0a) {
          int next = in.read();
          if (next < 0) {
            break;
          }
          last4 = (last4 << 8) | next;
        }
        OutputStream out = connection.getOutputStream();
        out.write(response);
        out.flush();
      } catch (IOException e) {
        // Closed, or a client that gave up on its connection: the next one is accepted.
      }
    }
  }

  @Override
  public void close() throws Exception {
    listener.close();
    acceptor.join();
  }
}
