package io.dockmaster.registry;

import java.io.InputStream;

/**
 * A blob's bytes from {@code startsAt} on: where a range was asked for, the source either honoured
 * it ({@code startsAt} is the offset asked for) or sent the whole blob ({@code startsAt} is 0), and
 * the reader drops what it already has as it reads.
 */
public record BlobFrom(InputStream body, long startsAt) {

  /** Whether a 206 answer's {@code Content-Range} header starts at the byte that was asked for. */
  public static boolean rangeStartsAt(String contentRange, long offset) {
    return contentRange != null && contentRange.startsWith("bytes " + offset + "-");
  }
}
