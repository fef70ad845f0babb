package io.dockmaster.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test images in the dev registry, made and signed as a user would: a layer tarred by {@code tar},
 * pushed and re-configured by crane, signed by cosign with a key pair of its own. One repository
 * per instance, so runs never share images.
 */
final class DevImages {

  private final DevCluster cluster;
  private final Commands commands;
  private final Path workDir;
  private final String repository;

  /**
   * @param commands runs in {@code workDir}, with {@code COSIGN_PASSWORD} empty and {@code HOME}
   *     private (cosign writes its keys and caches there)
   */
  DevImages(DevCluster cluster, Commands commands, Path workDir, String repositoryPath)
      throws IOException {
    this.cluster = cluster;
    this.commands = commands;
    this.workDir = workDir;
    this.repository = cluster.registry() + "/" + repositoryPath;
    Path layer = Files.createDirectories(workDir.resolve("layer"));
    Files.writeString(layer.resolve("repository.txt"), repositoryPath);
    // In workDir, not wherever the commands run (the repository root for some callers).
    String tarball = workDir.resolve("layer.tar").toString();
    commands.run("tar", "-cf", tarball, "-C", layer.toString(), ".").orFail("tar");
    crane("append", "-f", tarball, "-t", repository + ":base");
  }

  String repository() {
    return repository;
  }

  /** Pushes {@code repository:tag}: the base layer, run as {@code user}, for linux/amd64. */
  String withUser(String tag, String user) {
    crane(
        "mutate",
        "--user",
        user,
        "--set-platform",
        "linux/amd64",
        "-t",
        repository + ":" + tag,
        repository + ":base");
    return repository + ":" + tag;
  }

  String digest(String reference) {
    return crane("digest", reference).trim();
  }

  /** Signs the digest {@code reference} points at now, with this instance's cosign key. */
  String sign(String reference) {
    if (!Files.exists(workDir.resolve("cosign.key"))) {
      commands.run(cosign(), "generate-key-pair").orFail("cosign generate-key-pair");
    }
    String atDigest = repository + "@" + digest(reference);
    commands
        .run(
            cosign(),
            "sign",
            "--key",
            "cosign.key",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "--allow-http-registry",
            "--yes",
            atDigest)
        .orFail("cosign sign");
    return atDigest;
  }

  /** The public key of {@link #sign}, indented to sit under a {@code pem: |} at {@code indent}. */
  String publicKeyPem(int indent) throws IOException {
    return Files.readString(workDir.resolve("cosign.pub")).indent(indent).stripTrailing();
  }

  String crane(String... args) {
    String[] command = new String[args.length + 2];
    command[0] = cluster.crane().toString();
    System.arraycopy(args, 0, command, 1, args.length);
    command[command.length - 1] = "--insecure";
    return commands.run(command).orFail("crane " + args[0]).stdout();
  }

  private String cosign() {
    return cluster.crane().resolveSibling("cosign").toString();
  }
}
