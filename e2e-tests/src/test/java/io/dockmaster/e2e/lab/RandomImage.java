package io.dockmaster.e2e.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A linux/amd64 image of random, incompressible layers, pushed with crane: the payload of a
 * distribution test, where layer sizes matter and content does not. The same seed gives the same
 * digests. Layers are gzip-wrapped without compressing ("stored" deflate blocks), so building a
 * large image costs little CPU and layer sizes are payload plus about 0.01%.
 *
 * @param reference where it was pushed, {@code host:port/repository:tag}
 * @param digest the manifest digest
 * @param layers in manifest order
 */
public record RandomImage(String reference, String digest, List<Layer> layers) {

  /** A layer blob as the registry stores it (gzip of a one-file tar). */
  public record Layer(String digest, long size) {}

  private static final int BLOCK = 512;
  private static final long MAX_LAYER_PAYLOAD = 8L << 30; // 11 octal digits of ustar size
  private static final Duration PUSH_TIMEOUT = Duration.ofMinutes(10);

  /** The bytes of all layer blobs, what a pull of this image on an empty node downloads. */
  public long layerBytes() {
    return layers.stream().mapToLong(Layer::size).sum();
  }

  public String referenceByDigest() {
    String repository = reference.substring(0, reference.lastIndexOf(':'));
    return repository + "@" + digest;
  }

  /**
   * Writes {@code layerCount} layers holding {@code payloadBytes} random bytes in total (split
   * evenly) into {@code workDir}, pushes them as one image to {@code reference} over plain HTTP,
   * and checks that the registry got exactly these layers.
   */
  public static RandomImage push(
      Path crane, String reference, int layerCount, long payloadBytes, long seed, Path workDir)
      throws IOException {
    return push(crane, reference, layerPayloads(payloadBytes, layerCount, 0), seed, workDir);
  }

  /**
   * How {@code payloadBytes} split into {@code layerCount} layers: evenly when {@code
   * largestPercent} is 0, else the first layer holds that percentage and the others share the rest
   * evenly (real images often have one layer much larger than the rest). The last layer takes what
   * does not divide.
   */
  public static List<Long> layerPayloads(long payloadBytes, int layerCount, int largestPercent) {
    if (layerCount < 1 || payloadBytes < layerCount) {
      throw new IllegalArgumentException(
          "a random image needs at least one layer and one byte per layer, got "
              + layerCount
              + " layers of "
              + payloadBytes
              + " bytes in total");
    }
    if (largestPercent != 0
        && (layerCount < 2 || largestPercent * layerCount <= 100 || largestPercent >= 100)) {
      throw new IllegalArgumentException(
          "the largest layer's share is "
              + largestPercent
              + "% of "
              + layerCount
              + " layers: give 0 for equal layers, or, with at least 2 layers, a share above the"
              + " equal one ("
              + 100 / layerCount
              + "%) and below 100%");
    }
    List<Long> sizes = new ArrayList<>(layerCount);
    long rest = payloadBytes;
    int evenLayers = layerCount;
    if (largestPercent != 0) {
      long largest = payloadBytes * largestPercent / 100;
      sizes.add(largest);
      rest -= largest;
      evenLayers--;
    }
    if (rest < evenLayers) {
      throw new IllegalArgumentException(
          "the other "
              + evenLayers
              + " layers would share "
              + rest
              + " bytes: give a larger image or a smaller share for the largest layer");
    }
    for (int i = 0; i < evenLayers; i++) {
      sizes.add(rest / evenLayers + (i == evenLayers - 1 ? rest % evenLayers : 0));
    }
    return List.copyOf(sizes);
  }

  /**
   * Writes one layer of random bytes per entry of {@code layerPayloads} into {@code workDir},
   * pushes them as one image to {@code reference} over plain HTTP, and checks that the registry got
   * exactly these layers.
   */
  public static RandomImage push(
      Path crane, String reference, List<Long> layerPayloads, long seed, Path workDir)
      throws IOException {
    if (layerPayloads.isEmpty()) {
      throw new IllegalArgumentException("a random image needs at least one layer");
    }
    for (long payload : layerPayloads) {
      if (payload < 1) {
        throw new IllegalArgumentException(
            "a random image layer needs at least one byte, got " + layerPayloads);
      }
      if (payload >= MAX_LAYER_PAYLOAD) {
        throw new IllegalArgumentException(
            "a random image layer holds less than 8 GiB (one tar entry), got "
                + payload
                + " bytes: use more layers");
      }
    }
    if (!reference.substring(reference.lastIndexOf('/') + 1).contains(":")) {
      throw new IllegalArgumentException(
          "random image reference \"" + reference + "\" needs a tag, as in host:port/repo:tag");
    }
    Files.createDirectories(workDir);
    List<Layer> layers = new ArrayList<>();
    List<String> append =
        new ArrayList<>(List.of(crane.toString(), "append", "--insecure", "-t", reference));
    for (int i = 0; i < layerPayloads.size(); i++) {
      Path file = workDir.resolve("layer-" + i + ".tar.gz");
      layers.add(
          writeLayer(file, "layer-" + i + ".bin", layerPayloads.get(i), seed * 1_000_003 + i));
      append.addAll(List.of("-f", file.toString()));
    }
    LabCommand.run(PUSH_TIMEOUT, append).orFail();
    LabCommand.run(
            crane.toString(),
            "mutate",
            "--insecure",
            "--set-platform",
            "linux/amd64",
            "-t",
            reference,
            reference)
        .orFail();
    String manifest =
        LabCommand.run(crane.toString(), "manifest", "--insecure", reference).orFail().stdout();
    for (Layer layer : layers) {
      if (!manifest.contains("\"" + layer.digest() + "\"")) {
        throw new IllegalStateException(
            "crane did not push layer "
                + layer.digest()
                + " as written (did it recompress it?); manifest of "
                + reference
                + ": "
                + manifest);
      }
    }
    String digest =
        LabCommand.run(crane.toString(), "digest", "--insecure", reference)
            .orFail()
            .stdout()
            .strip();
    return new RandomImage(reference, digest, List.copyOf(layers));
  }

  /** crane built by hack/build-tools.sh, in $DOCKMASTER_CACHE/bin (default ~/.cache/dockmaster). */
  public static Path craneFromCache() {
    String cache =
        System.getenv()
            .getOrDefault(
                "DOCKMASTER_CACHE", System.getProperty("user.home") + "/.cache/dockmaster");
    Path crane = Path.of(cache, "bin", "crane");
    if (!Files.isExecutable(crane)) {
      throw new IllegalStateException(
          crane + " is missing: build it with `hack/build-tools.sh crane`");
    }
    return crane;
  }

  private static Layer writeLayer(Path file, String entryName, long payloadBytes, long seed)
      throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (OutputStream out =
        new GZIPOutputStream(new DigestOutputStream(Files.newOutputStream(file), sha256), 1 << 16) {
          {
            def.setLevel(Deflater.NO_COMPRESSION);
          }
        }) {
      out.write(tarHeader(entryName, payloadBytes));
      SplittableRandom random = new SplittableRandom(seed);
      byte[] chunk = new byte[1 << 20];
      for (long left = payloadBytes; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
      int padding = (int) ((BLOCK - payloadBytes % BLOCK) % BLOCK);
      out.write(new byte[padding + 2 * BLOCK]); // padding, then the two zero blocks ending a tar
    }
    return new Layer("sha256:" + HexFormat.of().formatHex(sha256.digest()), Files.size(file));
  }

  /** A ustar header for one regular file, root-owned, mode 0644, mtime 0 (reproducible). */
  static byte[] tarHeader(String name, long size) {
    byte[] header = new byte[BLOCK];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", size));
    put(header, 136, "00000000000");
    put(header, 148, "        "); // checksum field counts as spaces while summing
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    int checksum = 0;
    for (byte b : header) {
      checksum += b & 0xff;
    }
    put(header, 148, String.format("%06o", checksum));
    header[154] = 0;
    header[155] = ' ';
    return header;
  }

  private static void put(byte[] header, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
