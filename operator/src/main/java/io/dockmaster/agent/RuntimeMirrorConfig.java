package io.dockmaster.agent;

import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.control.RuntimeMirrors.MirroredRegistry;
import io.dockmaster.registry.ImageReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Points the node's containerd at this agent for the registries ImageMirrors mark {@code
 * mirrorRuntime}: one {@code <configDir>/<registry>/hosts.toml} each, with the agent's loopback
 * endpoint as a pull-and-resolve mirror in front of the registry itself. containerd reads these
 * files on every pull (no restart) and falls back to the registry when the agent answers 404 or is
 * not running. Only files this agent wrote (marked) are ever replaced or removed.
 */
final class RuntimeMirrorConfig {

  private static final Logger log = LoggerFactory.getLogger(RuntimeMirrorConfig.class);
  static final String MARKER = "# Managed by the Dockmaster agent; edits are overwritten.";
  private static final Pattern SAFE_HOST = Pattern.compile("^[a-z0-9.-]+(:[0-9]{1,5})?$");

  private final Optional<Path> configDir;
  private final Supplier<String> mirrorEndpoint;
  private final RuntimeTags tags;
  private final Set<String> written = new HashSet<>();

  /**
   * @param configDir containerd's registry config_path, or empty to leave containerd alone
   * @param mirrorEndpoint the agent's loopback endpoint once it listens, e.g.
   *     http://127.0.0.1:30021
   */
  RuntimeMirrorConfig(Optional<Path> configDir, Supplier<String> mirrorEndpoint, RuntimeTags tags) {
    this.configDir = configDir;
    this.mirrorEndpoint = mirrorEndpoint;
    this.tags = tags;
  }

  synchronized void apply(RuntimeMirrors mirrors) {
    for (MirroredRegistry registry : mirrors.registries()) {
      if (!SAFE_HOST.matcher(registry.registry()).matches()) {
        throw new IllegalArgumentException(
            "registry " + registry.registry() + " is not a host[:port]; refusing to write it");
      }
    }
    tags.replace(mirrors);
    if (configDir.isEmpty()) {
      return;
    }
    Set<String> wanted = new HashSet<>();
    for (MirroredRegistry registry : mirrors.registries()) {
      wanted.add(registry.registry());
      write(registry.registry(), registry.plainHttp());
    }
    for (String stale : Set.copyOf(written)) {
      if (!wanted.contains(stale)) {
        remove(stale);
      }
    }
  }

  static String hostsToml(String registry, String mirrorEndpoint, boolean plainHttpUpstream) {
    String server =
        ImageReference.DOCKER_HUB.equals(registry)
            ? "https://registry-1.docker.io"
            : (plainHttpUpstream ? "http://" : "https://") + registry;
    return MARKER
        + "\n"
        + "server = \""
        + server
        + "\"\n\n"
        + "[host.\""
        + mirrorEndpoint
        + "\"]\n"
        + "  capabilities = [\"pull\", \"resolve\"]\n";
  }

  private void write(String registry, boolean plainHttp) {
    Path dir = configDir.get().resolve(registry);
    Path file = dir.resolve("hosts.toml");
    try {
      if (Files.exists(file) && !ownedByUs(file)) {
        log.warn(
            "{} exists and was not written by Dockmaster; leaving it, so containerd will not pull"
                + " {} through this agent",
            file,
            registry);
        return;
      }
      Files.createDirectories(dir);
      Path temp = dir.resolve(".hosts.toml.dockmaster");
      Files.writeString(
          temp, hostsToml(registry, mirrorEndpoint.get(), plainHttp), StandardCharsets.UTF_8);
      move(temp, file);
      written.add(registry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static boolean ownedByUs(Path file) throws IOException {
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.findFirst().map(MARKER::equals).orElse(false);
    }
  }

  private void remove(String registry) {
    Path dir = configDir.get().resolve(registry);
    Path file = dir.resolve("hosts.toml");
    try {
      if (Files.exists(file) && ownedByUs(file)) {
        Files.delete(file);
        try (Stream<Path> left = Files.list(dir)) {
          if (left.findAny().isEmpty()) {
            Files.delete(dir);
          }
        }
      }
      written.remove(registry);
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", file, e.getMessage());
    }
  }

  /** On a clean stop, containerd should not try a mirror that is gone. */
  synchronized void removeAll() {
    if (configDir.isPresent()) {
      Set.copyOf(written).forEach(this::remove);
    }
  }
}
