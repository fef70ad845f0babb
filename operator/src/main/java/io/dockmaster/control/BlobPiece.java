package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte range of a blob that moves between nodes on its own, so that one layer much larger than
 * the rest is passed on through several trees with different roots instead of one (OCI gives a
 * range no digest; the blob's digest is checked once it is whole).
 *
 * @param blob the digest of the whole blob
 * @param offset the first byte of the piece
 * @param length bytes in the piece, at least one
 */
public record BlobPiece(Digest blob, long offset, long length) {

  private static final Pattern NAME = Pattern.compile("^([^@]+)@(\\d{1,19})\\+(\\d{1,19})$");

  public BlobPiece {
    Objects.requireNonNull(blob, "blob");
    if (offset < 0 || length < 1 || offset + length < 0) {
      throw new IllegalArgumentException(
          "a piece of blob "
              + blob
              + " needs a first byte of at least 0 and a length of at least 1, got offset "
              + offset
              + " and length "
              + length);
    }
  }

  /** The byte after the piece's last one. */
  public long end() {
    return offset + length;
  }

  /**
   * How orders and inventories name the piece: {@code <blob digest>@<offset>+<length>}, which no
   * digest can be mistaken for.
   */
  @JsonValue
  public String name() {
    return blob + "@" + offset + "+" + length;
  }

  /** For log lines: the name with the blob's digest shortened. */
  public String shortName() {
    return blob.shortForm() + "@" + offset + "+" + length;
  }

  /** Whether {@code name} names a piece rather than a whole blob. */
  public static boolean isPieceName(String name) {
    return name != null && name.indexOf('@') >= 0;
  }

  /**
   * Parses a {@link #name()}.
   *
   * @throws IllegalArgumentException naming the input and the expected form
   */
  @JsonCreator
  public static BlobPiece parse(String name) {
    Matcher m = NAME.matcher(name == null ? "" : name);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "\"" + name + "\" is not a blob piece; expected <digest>@<offset>+<length>");
    }
    try {
      return new BlobPiece(
          Digest.parse(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + name + "\" has an offset or length out of range");
    }
  }

  /**
   * The key the piece is planned and tracked under where whole blobs go by their digest: the sha256
   * of its name, which no blob's content hashes to in practice and which the operator and every
   * agent derive alike.
   */
  public Digest key() {
    return Digest.sha256(("dockmaster blob piece " + name()).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return name();
  }
}
