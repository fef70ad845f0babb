package io.dockmaster.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real registry process for integration tests, on a free loopback port with its storage in a
 * temporary directory: distribution's {@code docker-registry} (v2.8, Debian package), optionally
 * with htpasswd or token auth, or go-containerregistry's in-memory registry ({@code crane registry
 * serve}), which differs from distribution in ways worth testing (it pages tags by {@code last}).
 */
public final class RegistryServer implements AutoCloseable {

  private static final Path DOCKER_REGISTRY = Path.of("/usr/bin/docker-registry");
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private final Path workDir;
  private final int port;
  private final Process process;
  private final Path log;

  private RegistryServer(Path workDir, int port, Process process, Path log) {
    this.workDir = workDir;
    this.port = port;
    this.process = process;
    this.log = log;
  }

  public static Builder distribution() {
    return new Builder(false);
  }

  /** go-containerregistry's registry, served by the crane binary; storage is in memory. */
  public static RegistryServer startGgcr() {
    return new Builder(true).start();
  }

  /** {@code 127.0.0.1:<port>}, the registry part of image references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Where distribution keeps blob {@code sha256:<hex>} on disk. */
  public Path blobDataFile(String digest) {
    String hex = digest.substring(digest.indexOf(':') + 1);
    return workDir.resolve(
        "storage/docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
  }

  public Path workDir() {
    return workDir;
  }

  /** The registry's log so far, for failure messages. */
  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteRecursively(workDir);
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A port nothing listens on right now; good enough for tests that start one server each. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Configures and starts a registry. */
  public static final class Builder {
    private final boolean ggcr;
    private final List<String> authConfig = new ArrayList<>();
    private final List<String> tlsConfig = new ArrayList<>();

    private Builder(boolean ggcr) {
      this.ggcr = ggcr;
    }

    /** Basic auth for one user, with a bcrypt htpasswd file made by {@code htpasswd -Bbn}. */
    public Builder htpasswd(String user, String password) {
      authConfig.add("htpasswd:");
      authConfig.add("  realm: dockmaster-test");
      authConfig.add("  path: @WORK@/htpasswd");
      authConfig.add("#htpasswd " + user + " " + password);
      return this;
    }

    /**
     * Token auth: the registry accepts JWTs from {@code issuer} whose x5c chain ends in a
     * certificate of {@code rootCertBundle}, and sends clients to {@code realm}.
     */
    public Builder tokenAuth(String realm, String service, String issuer, Path rootCertBundle) {
      authConfig.add("token:");
      authConfig.add("  realm: " + realm);
      authConfig.add("  service: " + service);
      authConfig.add("  issuer: " + issuer);
      authConfig.add("  rootcertbundle: " + rootCertBundle);
      return this;
    }

    /** Serves HTTPS with this certificate instead of plain HTTP. */
    public Builder tls(Path certificate, Path key) {
      tlsConfig.add("  tls:");
      tlsConfig.add("    certificate: " + certificate);
      tlsConfig.add("    key: " + key);
      return this;
    }

    public RegistryServer start() {
      try {
        Path workDir = Files.createTempDirectory("dockmaster-registry-");
        int port = freePort();
        Path log = workDir.resolve("registry.log");
        ProcessBuilder command =
            ggcr
                ? new ProcessBuilder(
                    TestImages.crane().toString(),
                    "registry",
                    "serve",
                    "--address",
                    "127.0.0.1:" + port)
                : new ProcessBuilder(
                    DOCKER_REGISTRY.toString(), "serve", writeConfig(workDir, port).toString());
        Process process = command.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RegistryServer server = new RegistryServer(workDir, port, process, log);
        try {
          awaitReady(server, tlsConfig.isEmpty() ? "http" : "https");
        } catch (RuntimeException e) {
          String output = server.log();
          server.close();
          throw new IllegalStateException("registry did not start:\n" + output, e);
        }
        return server;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private Path writeConfig(Path workDir, int port) throws IOException {
      List<String> lines = new ArrayList<>();
      lines.add("version: 0.1");
      lines.add("log:");
      lines.add("  level: info");
      lines.add("  accesslog:");
      lines.add("    disabled: true");
      lines.add("storage:");
      lines.add("  filesystem:");
      lines.add("    rootdirectory: " + workDir.resolve("storage"));
      lines.add("  delete:");
      lines.add("    enabled: true");
      lines.add("http:");
      lines.add("  addr: 127.0.0.1:" + port);
      lines.add("  secret: dockmaster-test");
      lines.addAll(tlsConfig);
      if (!authConfig.isEmpty()) {
        lines.add("auth:");
        for (String line : authConfig) {
          if (line.startsWith("#htpasswd ")) {
            String[] userAndPassword = line.substring(10).split(" ", 2);
            writeHtpasswd(workDir, userAndPassword[0], userAndPassword[1]);
          } else {
            lines.add("  " + line.replace("@WORK@", workDir.toString()));
          }
        }
      }
      Path config = workDir.resolve("config.yml");
      Files.write(config, lines, StandardCharsets.UTF_8);
      return config;
    }

    private static void writeHtpasswd(Path workDir, String user, String password)
        throws IOException {
      String entry =
          TestImages.exec(List.of("htpasswd", "-Bbn", user, password), Duration.ofSeconds(30));
      Files.writeString(workDir.resolve("htpasswd"), entry.trim() + "\n", StandardCharsets.UTF_8);
    }

    private static void awaitReady(RegistryServer server, String scheme) {
      HttpClient client = TestImages.insecureHttpClient();
      URI ping = URI.create(scheme + "://" + server.host() + "/v2/");
      await("registry at " + ping)
          .atMost(STARTUP_TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptionsMatching(
              e -> e instanceof IOException || e instanceof UncheckedIOException)
          .until(
              () -> {
                if (!server.process.isAlive()) {
                  throw new IllegalStateException(
                      "registry exited with " + server.process.exitValue());
                }
                int status =
                    client
                        .send(
                            HttpRequest.newBuilder(ping).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                return status == 200 || status == 401;
              });
    }
  }
}
