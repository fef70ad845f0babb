package io.dockmaster.control;

/**
 * The digest of a range of a blob's bytes, in the blob digest's algorithm.
 *
 * @param digest e.g. {@code sha256:<hex>}
 */
public record RangeDigest(long offset, long length, String digest) {

  public BlobRange range() {
    return new BlobRange(offset, length);
  }
}
