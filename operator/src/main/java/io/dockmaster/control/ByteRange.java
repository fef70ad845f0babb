package io.dockmaster.control;

/** Bytes {@code offset} to {@code offset + length} of a blob. */
public record ByteRange(long offset, long length) {

  public ByteRange {
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException(
          "a byte range needs offset >= 0 and length > 0, got " + offset + "+" + length);
    }
  }
}
