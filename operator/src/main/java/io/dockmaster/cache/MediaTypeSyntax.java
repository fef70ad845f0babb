package io.dockmaster.cache;

import java.util.regex.Pattern;

/** The media types the cache will record next to a blob. */
final class MediaTypeSyntax {

  static final int MAX_LENGTH = 255;

  /** RFC 6838 type/subtype names, plus the parameters OCI media types sometimes carry. */
  private static final Pattern MEDIA_TYPE =
      Pattern.compile(
          "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*"
              + "(\\s*;\\s*[A-Za-z0-9!#$&^_.+-]+=[A-Za-z0-9!#$&^_.+\"-]+)*");

  private MediaTypeSyntax() {}

  static boolean isValid(String mediaType) {
    return mediaType.length() <= MAX_LENGTH && MEDIA_TYPE.matcher(mediaType).matches();
  }

  /**
   * @throws IllegalArgumentException naming the problem; {@code null} means "none" and passes
   */
  static String check(String mediaType) {
    if (mediaType != null && !isValid(mediaType)) {
      String printable = mediaType.replaceAll("\\p{Cntrl}", "?");
      String shown = printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
      throw new IllegalArgumentException(
          "mediaType \""
              + shown
              + "\" is not a valid media type (type/subtype, at most "
              + MAX_LENGTH
              + " characters); pass the descriptor's mediaType or null");
    }
    return mediaType;
  }
}
