package io.dockmaster.control;

/** Bytes {@code offset} to {@code offset + length} of a blob. */
public record BlobRange(long offset, long length) {

  public BlobRange {
    if (!isValid(offset, length)) {
      throw new IllegalArgumentException(
          "a blob range needs offset >= 0 and length > 0 within 2^63 bytes, got "
              + offset
              + "+"
              + length);
    }
  }

  /** Whether these make a range: reports from agents are checked before they are trusted. */
  public static boolean isValid(long offset, long length) {
    return offset >= 0 && length > 0 && offset + length > 0;
  }
}
