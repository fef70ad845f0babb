package io.dockmaster.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The images the benchmark admits, pushed to the dev registry with crane and signed with a fresh
 * cosign key: a non-root app (by tag) and sidecar (by digest) for the warm path, an unsigned root
 * image the webhook must refuse, and {@code cold} images that differ only in a label, so each has a
 * digest the webhook has never seen.
 *
 * @param appTag {@code <repo>:signed}, resolved through the tag cache
 * @param sidecarDigest {@code <repo>@sha256:...}
 * @param coldDigests every one signed, none referenced before the cold phase
 */
record BenchImages(
    String repositoryPrefix,
    String appTag,
    String sidecarDigest,
    String rootTag,
    List<String> coldDigests,
    String publicKeyPem) {

  private static final int PARALLEL_PUSHES = 4;

  static BenchImages push(
      ExternalCommand commands, BenchSettings settings, String run, int coldCount) {
    String prefix = settings.registry() + "/bench-" + run;
    String crane = settings.crane().toString();
    Path work = commands.workDir();
    try {
      Files.createDirectories(work.resolve("layer"));
      Files.writeString(work.resolve("layer/run.txt"), run + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    commands.run("tar", "-cf", "layer.tar", "-C", "layer", ".").orFail();
    String base = prefix + "/app:base";
    commands.run(crane, "append", "-f", "layer.tar", "-t", base, "--insecure").orFail();
    String app = mutate(commands, crane, base, prefix + "/app:signed", "10001", "app");
    String sidecar = mutate(commands, crane, base, prefix + "/sidecar:signed", "10002", "sidecar");
    mutate(commands, crane, base, prefix + "/app:root", "0", "root");

    List<String> cold = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_PUSHES);
    try {
      List<Future<String>> pushes = new ArrayList<>();
      for (int i = 0; i < coldCount; i++) {
        String tag = prefix + "/cold:c" + i;
        String label = "cold-" + i;
        pushes.add(pool.submit(() -> mutate(commands, crane, base, tag, "10001", label)));
      }
      for (Future<String> push : pushes) {
        cold.add(push.get());
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("pushing cold images failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      pool.shutdownNow();
    }

    String cosign = settings.cosign().toString();
    commands.run(cosign, "generate-key-pair").orFail();
    List<String> toSign = new ArrayList<>(List.of(app, sidecar));
    toSign.addAll(cold);
    List<String> sign =
        new ArrayList<>(
            List.of(
                cosign,
                "sign",
                "--key",
                "cosign.key",
                "--tlog-upload=false",
                "--allow-insecure-registry",
                "--allow-http-registry",
                "--yes"));
    sign.addAll(toSign);
    commands.run(sign).orFail();
    try {
      String pem = Files.readString(work.resolve("cosign.pub"));
      return new BenchImages(
          prefix, prefix + "/app:signed", sidecar, prefix + "/app:root", cold, pem);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy of {@code base} with its own user and label; returns it by digest. */
  private static String mutate(
      ExternalCommand commands,
      String crane,
      String base,
      String target,
      String user,
      String label) {
    commands
        .run(
            crane,
            "mutate",
            "--user",
            user,
            "--label",
            "io.dockmaster.bench=" + label,
            "--set-platform",
            "linux/amd64",
            "-t",
            target,
            base,
            "--insecure")
        .orFail();
    String digest = commands.run(crane, "digest", target, "--insecure").orFail().stdout().trim();
    String repository = target.substring(0, target.lastIndexOf(':'));
    return repository + "@" + digest;
  }
}
