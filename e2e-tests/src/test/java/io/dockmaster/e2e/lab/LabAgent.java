package io.dockmaster.e2e.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A node agent of a {@link P2PLab}: {@code dockmaster.jar agent} on its own lab host, node name =
 * host name, advertising the host's address. Its cache directory is on this machine's file system,
 * so a test reads what the node holds directly ({@code <cache>/blobs/sha256/<hex>}, where a blob
 * appears only once verified). Its output is appended to one log across restarts.
 */
public final class LabAgent {

  public static final int PEER_PORT = 30020;
  public static final int RUNTIME_PORT = 30021;
  public static final int HEALTH_PORT = 30022;
  private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");

  private final LabHost host;
  private final List<String> command;
  private final Map<String, String> environment;
  private final Path cacheDir;
  private final Path containerdConfigDir;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Process process;

  LabAgent(
      LabHost host,
      Path jar,
      List<String> jvmOptions,
      String namespace,
      Path kubeconfig,
      Path cacheDir,
      Path containerdConfigDir,
      Path log) {
    this.host = host;
    this.cacheDir = cacheDir;
    this.containerdConfigDir = containerdConfigDir;
    this.log = log;
    this.environment = Map.of("KUBECONFIG", kubeconfig.toString());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "agent",
            "--node",
            host.name(),
            "--advertise-address",
            host.address(),
            "--namespace",
            namespace,
            "--cache-dir",
            cacheDir.toString(),
            "--peer-port",
            Integer.toString(PEER_PORT),
            "--runtime-port",
            Integer.toString(RUNTIME_PORT),
            "--health-port",
            Integer.toString(HEALTH_PORT),
            "--containerd-config-dir",
            containerdConfigDir.toString()));
    this.command = List.copyOf(command);
  }

  /** The node name, which is also the lab host's name. */
  public String node() {
    return host.name();
  }

  public LabHost host() {
    return host;
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /**
   * Where the agent writes containerd's {@code <registry>/hosts.toml} for mirrored registries: the
   * node's containerd {@code config_path}, or {@code ctr --hosts-dir}.
   */
  public Path containerdConfigDir() {
    return containerdConfigDir;
  }

  public Path log() {
    return log;
  }

  /** Starts the agent process; {@link P2PLab} then waits for its Lease. */
  synchronized void start() throws IOException {
    start(Map.of());
  }

  /**
   * The same, with more environment, such as the {@code DOCKMASTER_*} variables behind the agent's
   * flags.
   */
  synchronized void start(Map<String, String> moreEnvironment) throws IOException {
    if (isAlive()) {
      throw new IllegalStateException("agent " + node() + " is running already");
    }
    Files.createDirectories(cacheDir);
    Files.createDirectories(containerdConfigDir);
    Map<String, String> all = new HashMap<>(environment);
    all.putAll(moreEnvironment);
    process = host.start(command, all, log);
  }

  /**
   * SIGTERM, as when its DaemonSet pod is deleted: the agent deletes its Lease and exits, so the
   * operator stops counting the node at once instead of when the Lease would expire.
   */
  public synchronized void stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException(this + " did not exit within 30 s of SIGTERM; see " + log);
    }
  }

  /** SIGKILLs the agent and everything else on its host, as a node losing power. */
  public synchronized void kill() {
    host.kill();
    // The host's namespace is empty once the kernel is done with the process, but Process#isAlive
    // turns false only when the JDK has reaped it: a start right after raced it ("running
    // already").
    if (process != null) {
      process.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    }
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The agent JVM's pid: nsenter switches the network namespace and then execs java. */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException("agent " + node() + " was never started");
    }
    return process.pid();
  }

  /** Empty once the agent is gone. */
  public Optional<ProcessUsage> usage() {
    return isAlive() ? ProcessUsage.of(pid()) : Optional.empty();
  }

  /** Digests ("sha256:<hex>") of the complete, verified blobs in its cache now. */
  public Set<String> completeBlobs() {
    Set<String> blobs = new TreeSet<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(blobDirectory())) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (SHA256_HEX.matcher(name).matches()) {
          blobs.add("sha256:" + name);
        }
      }
    } catch (NoSuchFileException e) {
      return blobs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the cache of agent " + node(), e);
    }
    return blobs;
  }

  /** Where blob {@code digest} ("sha256:<hex>") is once complete, to compare bytes. */
  public Path blobFile(String digest) {
    if (!digest.startsWith("sha256:") || !SHA256_HEX.matcher(digest.substring(7)).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return blobDirectory().resolve(digest.substring(7));
  }

  /** The Prometheus text of the agent's {@code /metrics}, fetched over the lab network. */
  public String metrics() {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + host.address() + ":" + HEALTH_PORT + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("cannot scrape agent " + node() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while scraping agent " + node(), e);
    }
  }

  private Path blobDirectory() {
    return cacheDir.resolve("blobs").resolve("sha256");
  }

  @Override
  public String toString() {
    return "agent " + node() + " (" + host.address() + ")";
  }
}
