package io.dockmaster.cache;

import io.dockmaster.control.RangeDigest;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.util.List;

/**
 * Content written to the cache did not match the digest or size it was stored under. The partial
 * blob has already been discarded when this is thrown; the write may be started again.
 */
public final class DigestMismatchException extends IOException {

  private final Digest expected;
  private final Digest actual;
  private final long expectedSize;
  private final long actualSize;
  private final List<RangeDigest> pieces;

  DigestMismatchException(Digest expected, Digest actual, long expectedSize, long actualSize) {
    this(expected, actual, expectedSize, actualSize, List.of());
  }

  DigestMismatchException(
      Digest expected,
      Digest actual,
      long expectedSize,
      long actualSize,
      List<RangeDigest> pieces) {
    super(
        "blob "
            + expected
            + " failed verification: expected "
            + expectedSize
            + " bytes with that digest but received "
            + (actualSize > expectedSize ? "at least " : "")
            + actualSize
            + " bytes with digest "
            + actual
            + "; the partial blob was discarded, fetch it again from another source");
    this.expected = expected;
    this.actual = actual;
    this.expectedSize = expectedSize;
    this.actualSize = actualSize;
    this.pieces = List.copyOf(pieces);
  }

  /**
   * For a blob filled in pieces, the digest of the bytes written in each piece's range, read before
   * the file was discarded; empty for a blob written whole.
   */
  public List<RangeDigest> pieces() {
    return pieces;
  }

  public Digest expected() {
    return expected;
  }

  /** The digest of the bytes actually received (up to the point the write was refused). */
  public Digest actual() {
    return actual;
  }

  public long expectedSize() {
    return expectedSize;
  }

  public long actualSize() {
    return actualSize;
  }
}
