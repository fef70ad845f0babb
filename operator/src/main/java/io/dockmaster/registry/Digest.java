package io.dockmaster.registry;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest such as {@code sha256:<64 hex>}. Only the algorithms the OCI image spec
 * registers are accepted, so a digest that parses can always be verified.
 */
public final class Digest {

  private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern SHA512_HEX = Pattern.compile("[a-f0-9]{128}");

  private final String algorithm;
  private final String hex;

  private Digest(String algorithm, String hex) {
    this.algorithm = algorithm;
    this.hex = hex;
  }

  /**
   * Parses {@code algorithm:hex}.
   *
   * @throws IllegalArgumentException naming the input and what is wrong with it
   */
  @JsonCreator
  public static Digest parse(String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("digest must not be empty");
    }
    int colon = value.indexOf(':');
    if (colon < 0) {
      throw invalid(value, "expected algorithm:hex, e.g. sha256:<64 hex characters>");
    }
    String algorithm = value.substring(0, colon);
    String hex = value.substring(colon + 1);
    Pattern expected =
        switch (algorithm) {
          case "sha256" -> SHA256_HEX;
          case "sha512" -> SHA512_HEX;
          default -> throw invalid(value, "unsupported algorithm \"" + algorithm + "\"");
        };
    if (!expected.matcher(hex).matches()) {
      throw invalid(
          value,
          algorithm
              + " digests need "
              + (algorithm.equals("sha256") ? 64 : 128)
              + " lowercase hex characters");
    }
    return new Digest(algorithm, hex);
  }

  /** The sha256 digest of {@code content}. */
  public static Digest sha256(byte[] content) {
    return of(newSha256().digest(content), "sha256");
  }

  /** A fresh hasher for the algorithm of this digest, for hashing content as it streams. */
  public MessageDigest newHasher() {
    return hasherFor(algorithm);
  }

  /** The digest a hasher has accumulated; the hasher is reset. */
  public static Digest of(MessageDigest hasher) {
    String algorithm =
        switch (hasher.getAlgorithm()) {
          case "SHA-256" -> "sha256";
          case "SHA-512" -> "sha512";
          default ->
              throw new IllegalArgumentException(
                  "unsupported hash algorithm " + hasher.getAlgorithm());
        };
    return of(hasher.digest(), algorithm);
  }

  /** Whether {@code content} hashes to this digest. */
  public boolean matches(byte[] content) {
    return MessageDigest.isEqual(newHasher().digest(content), HexFormat.of().parseHex(hex));
  }

  public String algorithm() {
    return algorithm;
  }

  public String hex() {
    return hex;
  }

  /** {@code sha256-<hex>}: how cosign and others turn a digest into a tag. */
  public String asTagPrefix() {
    return algorithm + "-" + hex;
  }

  /** A shortened form for log lines and messages, e.g. {@code sha256:0123456789ab}. */
  public String shortForm() {
    return algorithm + ":" + hex.substring(0, 12);
  }

  @JsonValue
  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest other && algorithm.equals(other.algorithm) && hex.equals(other.hex);
  }

  @Override
  public int hashCode() {
    return 31 * algorithm.hashCode() + hex.hashCode();
  }

  private static Digest of(byte[] hash, String algorithm) {
    return new Digest(algorithm, HexFormat.of().formatHex(hash));
  }

  private static MessageDigest newSha256() {
    return hasherFor("sha256");
  }

  private static MessageDigest hasherFor(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
    } catch (NoSuchAlgorithmException e) {
      // Every Java runtime must provide SHA-256 and SHA-512.
      throw new IllegalStateException(e);
    }
  }

  private static IllegalArgumentException invalid(String value, String reason) {
    return new IllegalArgumentException("\"" + value + "\" is not a valid digest: " + reason);
  }
}
