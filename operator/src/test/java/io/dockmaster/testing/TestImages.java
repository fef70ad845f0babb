package io.dockmaster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Builds and pushes test images with the real {@code crane} (built by {@code hack/build-tools.sh
 * crane} into {@code $DOCKMASTER_CACHE/bin}, default {@code ~/.cache/dockmaster/bin}), so the
 * client is tested against images made by independent code.
 */
public final class TestImages {

  private static final Duration CRANE_TIMEOUT = Duration.ofMinutes(2);

  private final Path dockerConfigDir;

  private TestImages(Path dockerConfigDir) {
    this.dockerConfigDir = dockerConfigDir;
  }

  /** crane with whatever credentials the user's docker config has (none needed for tests). */
  public static TestImages anonymous() {
    return new TestImages(null);
  }

  /**
   * crane reading credentials from {@code dir/config.json}, so tests never touch the user's {@code
   * ~/.docker}.
   */
  public static TestImages withDockerConfig(Path dir) {
    return new TestImages(dir);
  }

  public static Path crane() {
    String cache = System.getenv("DOCKMASTER_CACHE");
    Path dir =
        cache != null && !cache.isBlank()
            ? Path.of(cache)
            : Path.of(System.getProperty("user.home"), ".cache", "dockmaster");
    Path crane = dir.resolve("bin").resolve("crane");
    if (!Files.isExecutable(crane)) {
      throw new IllegalStateException(
          "crane not found at " + crane + "; build it with hack/build-tools.sh crane");
    }
    return crane;
  }

  /** Runs crane with {@code --insecure} (test registries are plain HTTP); returns its stdout. */
  public String crane(String... args) {
    List<String> command = new ArrayList<>();
    command.add(crane().toString());
    command.addAll(List.of(args));
    command.add("--insecure");
    Map<String, String> env =
        dockerConfigDir == null ? Map.of() : Map.of("DOCKER_CONFIG", dockerConfigDir.toString());
    return exec(command, env, CRANE_TIMEOUT).trim();
  }

  public String digest(String reference) {
    return crane("digest", reference);
  }

  /**
   * Appends {@code layer} to an empty base and pushes it as {@code reference}; returns the digest.
   */
  public String push(String reference, Path layer) {
    crane("append", "-f", layer.toString(), "-t", reference);
    return crane("digest", reference);
  }

  /**
   * Pushes a copy of {@code source} with a user and platform set, tagged {@code target}; returns
   * the new digest.
   */
  public String mutate(String source, String target, String user, String platform) {
    crane("mutate", "--user", user, "--set-platform", platform, "-t", target, source);
    return crane("digest", target);
  }

  /** Pushes an index of {@code manifests} as {@code target}; returns its digest. */
  public String index(String target, String... manifests) {
    List<String> args = new ArrayList<>(List.of("index", "append", "-t", target));
    for (String manifest : manifests) {
      args.add("-m");
      args.add(manifest);
    }
    crane(args.toArray(String[]::new));
    return crane("digest", target);
  }

  /** A tar layer of {@code files} (name to content), made by the system {@code tar}. */
  public static Path layer(Path dir, Map<String, String> files) {
    try {
      Path root = Files.createTempDirectory(dir, "layer-root-");
      for (Map.Entry<String, String> file : files.entrySet()) {
        Path path = root.resolve(file.getKey());
        Files.createDirectories(path.getParent());
        Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
      }
      Path tar = Files.createTempFile(dir, "layer-", ".tar");
      List<String> command =
          new ArrayList<>(List.of("tar", "-cf", tar.toString(), "-C", root.toString()));
      command.addAll(files.keySet());
      exec(command, Duration.ofSeconds(30));
      return tar;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command, failing with its output if it fails; returns stdout. */
  public static String exec(List<String> command, Duration timeout) {
    return exec(command, Map.of(), timeout);
  }

  static String exec(List<String> command, Map<String, String> env, Duration timeout) {
    try {
      Path stdout = Files.createTempFile("dockmaster-exec-", ".out");
      Path stderr = Files.createTempFile("dockmaster-exec-", ".err");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(command + " did not finish within " + timeout);
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              command
                  + " exited with "
                  + process.exitValue()
                  + ":\n"
                  + out
                  + Files.readString(stderr, StandardCharsets.UTF_8));
        }
        return out;
      } finally {
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }

  /** For probing test registries with self-signed certificates. */
  static HttpClient insecureHttpClient() {
    TrustManager trustAll =
        new X509ExtendedTrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {}

          @Override
          public void checkClientTrusted(
              X509Certificate[] chain, String authType, SSLEngine engine) {}

          @Override
          public void checkServerTrusted(
              X509Certificate[] chain, String authType, SSLEngine engine) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustAll}, null);
      return HttpClient.newBuilder()
          .sslContext(context)
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
