package io.dockmaster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Signs test images with the real {@code cosign} (built by {@code hack/build-tools.sh cosign} into
 * {@code $DOCKMASTER_CACHE/bin}), key-based and without a transparency log, so signature
 * verification is tested against signatures made by independent code.
 *
 * <p>Keys have an empty password ({@code COSIGN_PASSWORD=}), and cosign runs with {@code HOME} in
 * the given work directory so it never reads or writes the user's sigstore configuration.
 */
public final class Cosign {

  private static final Duration TIMEOUT = Duration.ofMinutes(1);

  private final Path workDir;

  private Cosign(Path workDir) {
    this.workDir = workDir;
  }

  /** cosign writing keys, and its home directory, under {@code workDir}. */
  public static Cosign in(Path workDir) {
    return new Cosign(workDir);
  }

  /** A cosign key pair: the encrypted private key file and the public key file. */
  public record Keys(Path privateKey, Path publicKey) {

    /** The PEM a policy would trust: the content of {@code <name>.pub}. */
    public String publicPem() {
      try {
        return Files.readString(publicKey, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  public static Path binary() {
    String cache = System.getenv("DOCKMASTER_CACHE");
    Path dir =
        cache != null && !cache.isBlank()
            ? Path.of(cache)
            : Path.of(System.getProperty("user.home"), ".cache", "dockmaster");
    Path cosign = dir.resolve("bin").resolve("cosign");
    if (!Files.isExecutable(cosign)) {
      throw new IllegalStateException(
          "cosign not found at " + cosign + "; build it with hack/build-tools.sh cosign");
    }
    return cosign;
  }

  /** {@code cosign generate-key-pair}: an ECDSA P-256 key, cosign's default. */
  public Keys generateKeyPair(String name) {
    Path prefix = workDir.resolve(name);
    cosign("generate-key-pair", "--output-key-prefix", prefix.toString());
    return new Keys(keyFile(prefix), pubFile(prefix));
  }

  /**
   * {@code cosign import-key-pair} of {@code key} (RSA, ECDSA or Ed25519), so tests can sign with
   * key types {@code generate-key-pair} does not make.
   */
  public Keys importKeyPair(String name, PrivateKey key) {
    Path prefix = workDir.resolve(name);
    Path pkcs8 = workDir.resolve(name + ".pkcs8.pem");
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    try {
      Files.writeString(pkcs8, pem, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    cosign("import-key-pair", "--key", pkcs8.toString(), "--output-key-prefix", prefix.toString());
    return new Keys(keyFile(prefix), pubFile(prefix));
  }

  /**
   * {@code cosign sign} of {@code imageAtDigest} (a plain-HTTP test registry) with {@code keys},
   * appending a layer to the image's {@code .sig} manifest.
   */
  public void sign(Keys keys, String imageAtDigest) {
    cosign(
        "sign",
        "--key",
        keys.privateKey().toString(),
        "--tlog-upload=false",
        "--allow-insecure-registry",
        "--allow-http-registry",
        "--yes",
        imageAtDigest);
  }

  /**
   * {@code cosign attest} of {@code imageAtDigest} with {@code keys}: wraps the JSON in {@code
   * predicate} in an in-toto statement of {@code type} (a cosign shorthand such as {@code
   * cyclonedx}, or a URI), signs it as a DSSE envelope and appends it to the image's {@code .att}
   * manifest.
   */
  public void attest(Keys keys, String imageAtDigest, Path predicate, String type) {
    cosign(
        "attest",
        "--key",
        keys.privateKey().toString(),
        "--predicate",
        predicate.toString(),
        "--type",
        type,
        "--tlog-upload=false",
        "--allow-insecure-registry",
        "--allow-http-registry",
        "--yes",
        imageAtDigest);
  }

  /**
   * Whether {@code cosign verify-attestation} accepts an attestation of {@code type} by {@code
   * keys} for {@code imageAtDigest}, so tests can check that they agree with cosign.
   */
  public boolean verifiesAttestation(Keys keys, String imageAtDigest, String type) {
    try {
      cosign(
          "verify-attestation",
          "--key",
          keys.publicKey().toString(),
          "--type",
          type,
          "--insecure-ignore-tlog",
          "--allow-insecure-registry",
          "--allow-http-registry",
          imageAtDigest);
      return true;
    } catch (IllegalStateException e) {
      if (e.getMessage() != null && e.getMessage().contains("exited with")) {
        return false;
      }
      throw e;
    }
  }

  /** Runs cosign with an empty key password and a private home; returns stdout. */
  public String cosign(String... args) {
    Path home = workDir.resolve("cosign-home");
    try {
      Files.createDirectories(home);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = new ArrayList<>();
    command.add(binary().toString());
    command.addAll(List.of(args));
    Map<String, String> env =
        Map.of(
            "COSIGN_PASSWORD", "",
            "HOME", home.toString(),
            "DOCKER_CONFIG", home.resolve(".docker").toString());
    return TestImages.exec(command, env, TIMEOUT).trim();
  }

  private static Path keyFile(Path prefix) {
    return prefix.resolveSibling(prefix.getFileName() + ".key");
  }

  private static Path pubFile(Path prefix) {
    return prefix.resolveSibling(prefix.getFileName() + ".pub");
  }
}
