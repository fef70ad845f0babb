package io.dockmaster.e2e.lab;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real containerd (Debian's {@code containerd} package, 1.6) on a lab host, with root, state,
 * socket and config of its own in {@code <tmp>/dmlab-containerd-<pid>-<host>}, so it shares nothing
 * with a containerd the machine may run. It runs in the host's network namespace, where 127.0.0.1
 * is that node's agent. The CRI plugin is disabled: images are pulled with {@code ctr images pull
 * --hosts-dir}, which reads the same {@code <registry>/hosts.toml} files the CRI plugin reads from
 * its {@code registry.config_path}, through the same resolver. containerd 1.6's {@code ctr} fetches
 * in its own process (the daemon only stores and unpacks), so {@code ctr} runs on the host too.
 *
 * <p>{@link #close} (also run by a shutdown hook) stops containerd and removes the directory. The
 * directory carries the creating PID: {@link #removeStale} (run by every {@link #start} and {@link
 * P2PLab#start}) removes what a killed run left, including overlay mounts of an interrupted unpack.
 * Its processes die with the lab host ({@link NetworkLab#cleanupStale} kills everything in a dead
 * run's namespaces).
 */
public final class LabContainerd implements AutoCloseable {

  static final String DIR_PREFIX = "dmlab-containerd-";
  private static final Pattern DIR = Pattern.compile("dmlab-containerd-(\\d{1,7})-[a-z0-9-]+");
  private static final List<String> BINARIES = List.of("containerd", "ctr");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(3);
  private static final String CONTENT_STORE = "io.containerd.content.v1.content";

  private final LabHost host;
  private final Path dir;
  private final Path log;
  private final Process process;
  private final Thread shutdownHook = new Thread(this::closeQuietly, "lab-containerd-cleanup");
  private boolean closed;

  private LabContainerd(LabHost host, Path dir, Path log, Process process) {
    this.host = host;
    this.dir = dir;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts containerd on {@code host}, its output appended to {@code log}, and returns once {@code
   * ctr version} reaches it. Fails naming the missing binary if containerd is not installed.
   */
  public static LabContainerd start(LabHost host, Path log) throws IOException {
    requireBinaries(BINARIES, "the containerd lab test");
    removeStale();
    Path dir =
        Path.of(System.getProperty("java.io.tmpdir"))
            .resolve(DIR_PREFIX + ProcessHandle.current().pid() + "-" + host.name());
    delete(dir);
    Files.createDirectories(dir);
    Path config = writeConfig(dir);
    Process process =
        host.start(List.of("containerd", "--config", config.toString()), Map.of(), log);
    LabContainerd containerd = new LabContainerd(host, dir, log, process);
    Runtime.getRuntime().addShutdownHook(containerd.shutdownHook);
    try {
      containerd.awaitReady();
    } catch (RuntimeException e) {
      containerd.close();
      throw e;
    }
    return containerd;
  }

  public LabHost host() {
    return host;
  }

  public Path log() {
    return log;
  }

  /** Runs {@code ctr} against this containerd on its host. */
  public LabCommand.Result ctr(Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of("ctr", "--address", socket().toString()));
    command.addAll(List.of(args));
    return host.exec(timeout, command);
  }

  /**
   * {@code ctr images pull --hosts-dir <hostsDir> <reference>}: resolves, fetches and unpacks (the
   * default overlayfs snapshotter) as the CRI plugin does for a kubelet, with registry hosts from
   * {@code <hostsDir>/<registry>/hosts.toml}.
   */
  public LabCommand.Result pull(String reference, Path hostsDir) {
    return ctr(PULL_TIMEOUT, "images", "pull", "--hosts-dir", hostsDir.toString(), reference);
  }

  /** The manifest digest containerd recorded for image {@code reference}, if it has the image. */
  public Optional<String> imageDigest(String reference) {
    // REF TYPE DIGEST SIZE PLATFORMS LABELS, one image a line after the header
    return ctr(Duration.ofSeconds(30), "images", "ls")
        .orFail()
        .stdout()
        .lines()
        .skip(1)
        .map(line -> line.split("\\s+"))
        .filter(columns -> columns.length >= 3 && columns[0].equals(reference))
        .map(columns -> columns[2])
        .findFirst();
  }

  /**
   * {@code ctr images check}'s line for {@code reference}: its status ({@code complete} once every
   * blob is in the store) and whether it is unpacked into the snapshotter.
   */
  public String check(String reference) {
    return ctr(Duration.ofSeconds(30), "images", "check", "name==" + reference)
        .orFail()
        .stdout()
        .lines()
        .filter(line -> line.startsWith(reference + " "))
        .findFirst()
        .orElse("");
  }

  /** Where containerd stores blob {@code digest} ("sha256:<hex>"), to compare bytes. */
  public Path contentFile(String digest) {
    if (!digest.startsWith("sha256:")) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return dir.resolve("root")
        .resolve(CONTENT_STORE)
        .resolve("blobs")
        .resolve("sha256")
        .resolve(digest.substring("sha256:".length()));
  }

  /** Stops containerd (SIGTERM, then SIGKILL) and removes its directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Running as the shutdown hook itself.
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    unmountUnder(dir);
    delete(dir);
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      System.err.println("containerd lab cleanup: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "containerd on " + host.name() + " (" + dir + ")";
  }

  /**
   * Removes the directories (and any mounts under them) of lab containerds whose creating process
   * is dead, first killing a containerd still serving one.
   *
   * @return the directories it removed
   */
  public static List<Path> removeStale() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    List<Path> removed = new ArrayList<>();
    try (Stream<Path> entries = Files.list(tmp)) {
      for (Path entry : entries.toList()) {
        Matcher m = DIR.matcher(entry.getFileName().toString());
        if (m.matches() && !NetworkLab.alive(Long.parseLong(m.group(1)))) {
          System.err.println("containerd lab: removing " + entry + ", left by a dead run");
          killServing(entry);
          unmountUnder(entry);
          delete(entry);
          removed.add(entry);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + tmp, e);
    }
    return removed;
  }

  private Path socket() {
    return dir.resolve("containerd.sock");
  }

  private void awaitReady() {
    await(this + " to answer `ctr version`")
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "containerd exited with code "
                        + process.exitValue()
                        + "; its log "
                        + log
                        + " ends with:\n"
                        + LogTail.of(log, 20));
              }
              return Files.exists(socket()) && ctr(Duration.ofSeconds(10), "version").succeeded();
            });
  }

  private static void killServing(Path dir) {
    String config = dir.resolve("config.toml").toString();
    ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(List::of).orElse(List.of()).contains(config))
        .forEach(
            p -> {
              p.destroyForcibly();
              p.onExit().join();
            });
  }

  /** Lazily unmounts what an unpack cut short left mounted under {@code dir}, deepest first. */
  private static void unmountUnder(Path dir) {
    String prefix = dir.toAbsolutePath() + File.separator;
    List<String> mounts;
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
      // "36 35 98:0 /mnt1 /mnt/point rw,noatime ..." : the fifth field is the mount point
      mounts =
          lines
              .map(line -> line.split(" "))
              .filter(fields -> fields.length > 4 && fields[4].startsWith(prefix))
              .map(fields -> fields[4])
              .sorted(Comparator.comparingInt(String::length).reversed())
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
    }
    for (String mount : mounts) {
      LabCommand.run("umount", "-l", mount).orFail();
    }
  }

  private static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> tree = Files.walk(dir)) {
      for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the lab containerd directory " + dir, e);
    }
  }

  /** Fails naming the first of {@code binaries} not on the PATH and how to install it. */
  public static void requireBinaries(List<String> binaries, String who) {
    for (String binary : binaries) {
      if (onPath(binary).isEmpty()) {
        throw new IllegalStateException(
            "`"
                + binary
                + "` is not on the PATH: "
                + who
                + " needs Debian's containerd package (`apt-get install containerd`; .ci/run"
                + " installs it)");
      }
    }
  }

  /**
   * A containerd configuration that keeps everything under {@code dir}: root, state, socket. A
   * socket path must fit sockaddr_un (108 bytes), so {@code dir} should be short. The opt plugin
   * would create /opt/containerd, and ctr needs no CRI plugin (nor its CNI and streaming).
   */
  public static Path writeConfig(Path dir) throws IOException {
    Path config = dir.resolve("config.toml");
    Files.writeString(
        config,
        """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]

        [grpc]
          address = "%1$s/containerd.sock"

        [plugins."io.containerd.internal.v1.opt"]
          path = "%1$s/opt"
        """
            .formatted(dir));
    return config;
  }

  private static Optional<Path> onPath(String binary) {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, binary))) {
        return Optional.of(Path.of(entry, binary));
      }
    }
    return Optional.empty();
  }
}
