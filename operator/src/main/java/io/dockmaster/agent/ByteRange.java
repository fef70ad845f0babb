package io.dockmaster.agent;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One HTTP byte range ({@code Range: bytes=...}) resolved against a blob's size. containerd resumes
 * interrupted layer downloads with {@code bytes=<offset>-}; multi-range requests are not used by
 * registries' clients and are refused.
 */
record ByteRange(long offset, long length) {

  private static final Pattern SINGLE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

  /** Thrown for a range that cannot be satisfied (answered 416). */
  static final class Unsatisfiable extends Exception {
    Unsatisfiable(String message) {
      super(message);
    }
  }

  /**
   * @return empty for a missing header (the whole blob)
   */
  static Optional<ByteRange> parse(String header, long size) throws Unsatisfiable {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    Matcher m = SINGLE.matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      throw new Unsatisfiable("unsupported Range " + header + "; use bytes=<first>-[<last>]");
    }
    try {
      if (m.group(1).isEmpty()) {
        long suffix = Long.parseLong(m.group(2));
        if (suffix == 0) {
          throw new Unsatisfiable("empty suffix range " + header);
        }
        long length = Math.min(suffix, size);
        return Optional.of(new ByteRange(size - length, length));
      }
      long first = Long.parseLong(m.group(1));
      long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
      if (first >= size || last < first) {
        throw new Unsatisfiable("range " + header + " is outside the blob's " + size + " bytes");
      }
      return Optional.of(new ByteRange(first, last - first + 1));
    } catch (NumberFormatException e) {
      throw new Unsatisfiable("range " + header + " is not a number");
    }
  }

  /**
   * @param total the blob's size, or {@code *} where it is not known
   */
  String contentRange(String total) {
    return "bytes " + offset + "-" + (offset + length - 1) + "/" + total;
  }
}
