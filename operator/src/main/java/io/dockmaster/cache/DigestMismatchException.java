package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.io.IOException;

/**
 * Content written to the cache did not match the digest or size it was stored under. The partial
 * blob has already been discarded when this is thrown; the write may be started again.
 */
public final class DigestMismatchException extends IOException {

  private final Digest expected;
  private final Digest actual;
  private final long expectedSize;
  private final long actualSize;

  DigestMismatchException(Digest expected, Digest actual, long expectedSize, long actualSize) {
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
