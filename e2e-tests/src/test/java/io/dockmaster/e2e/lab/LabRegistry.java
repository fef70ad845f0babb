package io.dockmaster.e2e.lab;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An upstream OCI registry on a lab host: Debian's {@code docker-registry} (distribution 2.8),
 * plain HTTP on {@code <host address>:5000}, storage in a directory of the test's own. It counts
 * what it serves from its log (see {@link RegistryTraffic}), so a test can tell how many bytes came
 * from upstream rather than from peers. Push to it from the test JVM with {@code crane ...
 * --insecure} (the host's download link carries the push).
 */
public final class LabRegistry {

  public static final int PORT = 5000;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final LabHost host;
  private final Path log;
  private final Process process;
  private volatile long countFrom;

  private LabRegistry(LabHost host, Path log, Process process) {
    this.host = host;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts the registry on {@code host} with its config, storage and log under {@code dir}, and
   * returns once {@code /v2/} answers. {@code DEV_REGISTRY_BIN} overrides the binary, as for
   * hack/dev-up.sh.
   */
  public static LabRegistry start(LabHost host, Path dir) throws IOException {
    Path storage = Files.createDirectories(dir.resolve("storage"));
    Path config = dir.resolve("config.yml");
    Path log = dir.resolve("registry.log");
    Files.writeString(
        config,
        """
        version: 0.1
        log:
          level: info
          formatter: text
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: %s:%d
          secret: dockmaster-lab-registry
        """
            .formatted(storage, host.address(), PORT));
    String binary = System.getenv().getOrDefault("DEV_REGISTRY_BIN", "docker-registry");
    Process process = host.start(List.of(binary, "serve", config.toString()), Map.of(), log);
    LabRegistry registry = new LabRegistry(host, log, process);
    registry.awaitReady();
    return registry;
  }

  public LabHost host() {
    return host;
  }

  /** {@code <address>:5000}, as image references and crane want it. */
  public String address() {
    return host.address() + ":" + PORT;
  }

  public Path log() {
    return log;
  }

  /** Response body bytes of every request since the start or the last {@link #resetCounters}. */
  public long bytesServed() {
    return traffic().totalBytes();
  }

  /** Bytes of blob {@code digest} served by GET since the start or the last reset. */
  public long bytesServed(String digest) {
    return traffic().blobBytes(digest);
  }

  /** Bytes served per blob digest since the start or the last reset. */
  public Map<String, Long> blobBytesServed() {
    return traffic().blobBytes();
  }

  /** GET requests per blob digest since the start or the last reset. */
  public Map<String, Long> blobRequests() {
    return traffic().blobRequests();
  }

  /** Those of them answered with a byte range (206), as a piece's seed asks. */
  public Map<String, Long> blobRangeRequests() {
    return traffic().blobRangeRequests();
  }

  /**
   * Requests of any kind (manifests, blobs, pings, errors) from {@code client}, the product name
   * its User-Agent starts with (e.g. {@code containerd}), since the start or the last reset.
   */
  public long requestsFrom(String client) {
    return traffic().requestsFrom(client);
  }

  /**
   * Counts from now on. The registry logs a response when it completes, so a transfer still running
   * now is counted in full afterwards.
   */
  public void resetCounters() {
    countFrom = completeLinesEnd();
  }

  /** Stops the registry (SIGKILL, like the rest of the host). */
  public void stop() {
    host.kill();
  }

  private RegistryTraffic traffic() {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long end = completeLinesEnd();
      byte[] bytes = new byte[(int) (end - countFrom)];
      file.seek(countFrom);
      file.readFully(bytes);
      return RegistryTraffic.of(new String(bytes, StandardCharsets.UTF_8).lines());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the lab registry log " + log, e);
    }
  }

  /** The log's length up to its last newline: a line being written is not counted half. */
  private long completeLinesEnd() {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long end = file.length();
      while (end > 0) {
        file.seek(end - 1);
        if (file.read() == '\n') {
          return end;
        }
        end--;
      }
      return 0;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the lab registry log " + log, e);
    }
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest ping =
        HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/"))
            .timeout(Duration.ofSeconds(2))
            .build();
    await("lab registry on " + host.name() + " to answer /v2/")
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .ignoreException(IOException.class)
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "the lab registry exited with code "
                        + process.exitValue()
                        + "; its log "
                        + log
                        + " ends with:\n"
                        + tail());
              }
              return http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
  }

  private String tail() throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
  }
}
