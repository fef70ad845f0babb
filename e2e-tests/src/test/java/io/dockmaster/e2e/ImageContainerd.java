package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.e2e.lab.LabContainerd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private containerd (Debian's {@code containerd} package, with runc) to run the Dockmaster image
 * the way a node does: pulled from a registry, unpacked by the overlayfs snapshotter, started by
 * runc. Root, state, socket and config live in one temporary directory, so it shares nothing with a
 * containerd the machine may run; the CRI plugin is off ({@code ctr} needs none).
 */
final class ImageContainerd implements AutoCloseable {

  private final Path dir;
  private final Process process;
  private final Commands commands;

  private ImageContainerd(Path dir, Process process, Commands commands) {
    this.dir = dir;
    this.process = process;
    this.commands = commands;
  }

  static ImageContainerd start() throws IOException {
    LabContainerd.requireBinaries(List.of("containerd", "ctr", "runc"), "the image test");
    // Short: the socket path must fit in sockaddr_un (108 bytes).
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "dm-image-ctd-");
    Path config = LabContainerd.writeConfig(dir);
    Process process =
        new ProcessBuilder("containerd", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("containerd.log").toFile())
            .start();
    ImageContainerd containerd = new ImageContainerd(dir, process, new Commands(Map.of(), dir));
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(process.isAlive())
                    .as("containerd exited: %s", containerd.log())
                    .isTrue();
                assertThat(containerd.ctr("version").exitCode()).isZero();
              });
    } catch (RuntimeException | AssertionError e) {
      containerd.close();
      throw e;
    }
    return containerd;
  }

  /** {@code ctr} against this containerd. */
  Commands.Result ctr(String... args) {
    List<String> command = new ArrayList<>(List.of("ctr", "--address", socket().toString()));
    command.addAll(List.of(args));
    return commands.run(command.toArray(String[]::new));
  }

  String log() {
    try {
      return Files.readString(dir.resolve("containerd.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops containerd and removes its directory (containers run with --rm leave no mounts). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Left in /tmp; nothing else reads it.
    }
  }

  private Path socket() {
    return dir.resolve("containerd.sock");
  }
}
