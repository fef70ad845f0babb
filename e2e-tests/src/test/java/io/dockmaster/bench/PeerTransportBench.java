package io.dockmaster.bench;

import io.dockmaster.agent.NativeCrypto;
import io.dockmaster.agent.PeerBlobClient;
import io.dockmaster.agent.ResponseOutlet;
import io.dockmaster.e2e.lab.P2PLabSettings;
import io.dockmaster.peering.AgentCertificateAuthority;
import io.dockmaster.peering.PeerIdentity;
import io.dockmaster.peering.PeerName;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.streaming.StreamedBody;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * CPU per MiB of a blob body moving between two agents over mutual TLS, for the transports agents
 * had and have: the JDK HTTP client against a Vert.x server, both on the JDK's TLS engine (the
 * first), Vert.x's client read as a blocking stream with BoringSSL at both ends (before), and the
 * agent's own netty client ({@link PeerBlobClient}) with BoringSSL at both ends (now). Client and
 * server share one JVM, which runs C1 only with the chart's agent options, so the figure is both
 * ends of one peer connection. Each transport runs in a fresh JVM, one after another, and the table
 * puts them side by side. A measurement, not a test.
 *
 * <pre>
 * make bench-peer-tls            # or, after mvn -DskipTests package:
 * java -cp operator/target/dockmaster.jar:e2e-tests/target/test-classes \
 *     io.dockmaster.bench.PeerTransportBench
 * </pre>
 */
public final class PeerTransportBench {

  private static final long MIB = 1024 * 1024;
  private static final long BODY_BYTES = 1024 * MIB;
  private static final int ROUNDS = 4;
  private static final int CHUNK = 64 * 1024;

  /**
   * The agent's JVM options of the end-to-end tests (C1 only, as the chart had them when the
   * transports were compared): one short-lived JVM per end, where C2 would still be compiling.
   */
  private static final List<String> AGENT_JVM = P2PLabSettings.AGENT_JVM_OPTIONS;

  private static final Map<String, String> TRANSPORTS = new LinkedHashMap<>();

  static {
    TRANSPORTS.put("jdk-client", "JDK HTTP client, JDK TLS engine at both ends (first)");
    TRANSPORTS.put("vertx-native", "Vert.x client as a blocking stream, BoringSSL (before)");
    TRANSPORTS.put("netty-native", "the agent's netty client, BoringSSL (now)");
  }

  private PeerTransportBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1) {
      try {
        measure(args[0]);
      } catch (Exception | Error e) {
        // Vert.x's threads would keep this JVM, and the parent reading its output, alive.
        e.printStackTrace(System.out);
        System.exit(1);
      }
      return;
    }
    System.out.printf(
        "machine: %d CPUs, load average %s; JVM %s; agent options %s%n",
        Runtime.getRuntime().availableProcessors(),
        MachineFacts.loadAverage(),
        System.getProperty("java.runtime.version"),
        String.join(" ", AGENT_JVM));
    Map<String, Double> coreMsPerMib = new LinkedHashMap<>();
    for (String transport : TRANSPORTS.keySet()) {
      coreMsPerMib.put(transport, runInFreshJvm(transport));
    }
    double before = coreMsPerMib.get("vertx-native");
    System.out.printf("%n%-14s %14s %9s  %s%n", "transport", "core-ms/MiB", "÷ before", "");
    coreMsPerMib.forEach(
        (transport, cost) ->
            System.out.printf(
                "%-14s %14.2f %9.2f  %s%n",
                transport, cost, cost / before, TRANSPORTS.get(transport)));
    StringBuilder json = new StringBuilder("{\"body_mib\":" + BODY_BYTES / MIB);
    coreMsPerMib.forEach(
        (transport, cost) ->
            json.append(
                ",\"%s_core_ms_per_mib\":%.3f".formatted(transport.replace('-', '_'), cost)));
    System.out.println(json.append('}'));
  }

  /** The median of the warm rounds the child JVM printed, in core-ms per MiB. */
  private static double runInFreshJvm(String transport) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(AGENT_JVM);
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.addAll(List.of(PeerTransportBench.class.getName(), transport));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<Double> rounds = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        System.out.println(transport + " " + line);
        if (line.startsWith("round ")) {
          rounds.add(Double.parseDouble(line.substring(line.lastIndexOf('=') + 1).trim()));
        }
      }
    }
    if (child.waitFor() != 0 || rounds.size() != ROUNDS) {
      throw new IllegalStateException(transport + " did not finish its rounds");
    }
    // The first round pays for class loading and C1 compilation.
    List<Double> warm = new ArrayList<>(rounds.subList(1, rounds.size()));
    warm.sort(Double::compare);
    return warm.get(warm.size() / 2);
  }

  private static void measure(String transport) throws Exception {
    // As the agent does: AES-GCM and SHA-256 in native code whatever the TLS engine.
    NativeCrypto.install();
    boolean nativeTls = !transport.equals("jdk-client");
    if (nativeTls && !OpenSSLEngineOptions.isAvailable()) {
      throw new IllegalStateException("BoringSSL (netty-tcnative) did not load on this machine");
    }
    AgentCertificateAuthority ca =
        AgentCertificateAuthority.generate(Duration.ofDays(1), Clock.systemUTC());
    PeerTls serverTls = new PeerTls(identity(ca, "server"), ca.certificate());
    PeerTls clientTls = new PeerTls(identity(ca, "client"), ca.certificate());
    Vertx vertx = Vertx.vertx();
    HttpServerOptions serverOptions = serverTls.vertxServerOptions().setHost("127.0.0.1");
    if (!nativeTls) {
      serverOptions.setSslEngineOptions(new JdkSSLEngineOptions());
    }
    HttpServer server =
        vertx
            .createHttpServer(serverOptions)
            .requestHandler(request -> serveFromThread(request.response()));
    server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String uri = "https://127.0.0.1:" + server.actualPort() + "/v2/bench/blobs/body";
    HttpClient vertxClient =
        vertx.createHttpClient(clientTls.vertxAgentClientOptions().setMaxChunkSize(CHUNK));
    PeerBlobClient agentClient =
        new PeerBlobClient(vertx, clientTls, Duration.ofSeconds(30), Duration.ofSeconds(30));
    java.net.http.HttpClient jdkClient =
        clientTls
            .httpClient(PeerName.agent("server"))
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .build();
    for (int round = 0; round < ROUNDS; round++) {
      long cpuBefore = processCpuNanos();
      long wallBefore = System.nanoTime();
      long received =
          switch (transport) {
            case "jdk-client" -> drain(jdkBody(jdkClient, uri));
            case "vertx-native" -> drain(VertxBody.of(vertxClient, uri));
            default -> drainDirect((StreamedBody) agentClient.get("server", uri, 0, -1).body());
          };
      double cpuMs = (processCpuNanos() - cpuBefore) / 1e6;
      double wallS = (System.nanoTime() - wallBefore) / 1e9;
      if (received != BODY_BYTES) {
        throw new IllegalStateException("received " + received + " of " + BODY_BYTES + " bytes");
      }
      System.out.printf(
          "round %d: %d MiB in %.2f s, CPU %.0f ms, core-ms/MiB = %.3f%n",
          round, received / MIB, wallS, cpuMs, cpuMs / (received / (double) MIB));
    }
    System.exit(0);
  }

  private static Supplier<PeerIdentity> identity(AgentCertificateAuthority ca, String node) {
    PeerIdentity identity = ca.issueAgentIdentity(node, Duration.ofHours(1));
    return () -> identity;
  }

  private static InputStream jdkBody(java.net.http.HttpClient client, String uri) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(URI.create(uri)).build(),
            HttpResponse.BodyHandlers.ofInputStream())
        .body();
  }

  /** Reads as the agents' transfer threads did: 64 KiB at a time into a heap array. */
  private static long drain(InputStream body) throws Exception {
    try (body) {
      byte[] buffer = new byte[CHUNK];
      long total = 0;
      int n;
      while ((n = body.read(buffer)) != -1) {
        total += n;
      }
      return total;
    }
  }

  /** Reads as a transfer thread does now: 64 KiB at a time into a direct buffer. */
  private static long drainDirect(StreamedBody body) throws Exception {
    try (body) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
      long total = 0;
      int n;
      while ((n = body.read(buffer)) != -1) {
        total += n;
        buffer.clear();
      }
      return total;
    }
  }

  /**
   * The agents' blob client before {@link PeerBlobClient}: a Vert.x response read as a blocking
   * stream, paused while more than {@link #HIGH_WATER} bytes wait. Vert.x copies every piece into a
   * heap buffer before the handler sees it.
   */
  private static final class VertxBody extends InputStream {

    private static final int HIGH_WATER = 512 * 1024;

    private final HttpClientResponse response;
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private Buffer current;
    private int position;
    private long unread;
    private boolean paused;
    private boolean ended;

    private VertxBody(HttpClientResponse response) {
      this.response = response;
    }

    static InputStream of(HttpClient client, String uri) throws Exception {
      CompletableFuture<InputStream> body = new CompletableFuture<>();
      client
          .request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri))
          .compose(request -> request.send())
          .onSuccess(
              response -> {
                VertxBody reader = new VertxBody(response);
                response.handler(reader::arrived);
                response.endHandler(done -> reader.ended());
                body.complete(reader);
              })
          .onFailure(body::completeExceptionally);
      return body.get(30, TimeUnit.SECONDS);
    }

    private synchronized void arrived(Buffer data) {
      queue.add(data);
      unread += data.length();
      if (unread >= HIGH_WATER && !paused) {
        paused = true;
        response.pause();
      }
      notifyAll();
    }

    private synchronized void ended() {
      ended = true;
      notifyAll();
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException("read in chunks");
    }

    @Override
    public synchronized int read(byte[] into, int offset, int length) throws IOException {
      try {
        while (current == null || position == current.length()) {
          current = queue.poll();
          position = 0;
          if (current == null && ended) {
            return -1;
          }
          if (current == null) {
            wait();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException();
      }
      int n = Math.min(length, current.length() - position);
      current.getBytes(position, position + n, into, offset);
      position += n;
      unread -= n;
      if (paused && unread <= HIGH_WATER / 4) {
        paused = false;
        response.resume();
      }
      return n;
    }
  }

  /** Writes the body from a thread of its own, as the agent's blob responder does. */
  private static void serveFromThread(HttpServerResponse response) {
    response.putHeader("Content-Length", Long.toString(BODY_BYTES));
    ResponseOutlet outlet = new ResponseOutlet(response);
    byte[] chunk = new byte[CHUNK];
    Thread writer =
        new Thread(
            () -> {
              try {
                for (long sent = 0; sent < BODY_BYTES; sent += CHUNK) {
                  // Pooled direct memory, as the agent reads cache files into.
                  outlet.write(ByteBufAllocator.DEFAULT.directBuffer(CHUNK).writeBytes(chunk));
                }
                response.end();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "blob-stream");
    writer.setDaemon(true);
    writer.start();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
