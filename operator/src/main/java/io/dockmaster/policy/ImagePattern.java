package io.dockmaster.policy;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A glob over normalized image references: {@code *} stays within one path segment, {@code **}
 * crosses segments, {@code ?} is one character. A pattern without a tag or digest matches every tag
 * and digest of the repositories it names, because policies are about where images come from far
 * more often than about which tag.
 */
public final class ImagePattern {

  private static final Pattern ALLOWED = Pattern.compile("[a-z0-9A-Z._\\-/:@*?]+");

  private final String glob;
  private final Pattern regex;

  private ImagePattern(String glob, Pattern regex) {
    this.glob = glob;
    this.regex = regex;
  }

  /**
   * @throws IllegalArgumentException with a message that completes "pattern ... "
   */
  public static ImagePattern compile(String glob) {
    if (glob == null || glob.isBlank()) {
      throw new IllegalArgumentException("is empty");
    }
    if (!ALLOWED.matcher(glob).matches()) {
      throw new IllegalArgumentException(
          "\""
              + glob
              + "\" contains characters that cannot occur in an image reference; use letters,"
              + " digits, . _ - / : @ and the wildcards * ** ?");
    }
    if (glob.contains("***")) {
      throw new IllegalArgumentException(
          "\"" + glob + "\" contains ***; use * within a path segment or ** across segments");
    }
    String firstSegment = glob.split("/", 2)[0];
    if (!glob.contains("/") || !looksLikeHost(firstSegment)) {
      throw new IllegalArgumentException(
          "\""
              + glob
              + "\" must start with a registry host, as references are matched in normalized"
              + " form; e.g. docker.io/library/"
              + glob
              + " or registry.example.com/**");
    }
    return new ImagePattern(glob, Pattern.compile(toRegex(glob)));
  }

  public String glob() {
    return glob;
  }

  /**
   * @param repository normalized {@code registry/repository}
   * @param tagOrDigest {@code :tag} or {@code @sha256:...} suffix, may be empty
   */
  public boolean matches(String repository, String tagOrDigest) {
    return regex.matcher(repository).matches()
        || (!tagOrDigest.isEmpty() && regex.matcher(repository + tagOrDigest).matches());
  }

  private static boolean looksLikeHost(String segment) {
    return segment.contains(".")
        || segment.contains(":")
        || segment.equals("localhost")
        || segment.contains("*");
  }

  private static String toRegex(String glob) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        regex.append(".*");
        i++;
      } else if (c == '*') {
        regex.append("[^/]*");
      } else if (c == '?') {
        regex.append("[^/]");
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return regex.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImagePattern other && other.glob.equals(glob);
  }

  @Override
  public int hashCode() {
    return Objects.hash(glob);
  }

  @Override
  public String toString() {
    return glob;
  }
}
