package io.dockmaster.control;

/**
 * What a receiver got of one piece of a blob whose pieces together did not hash to its digest: the
 * digest of the bytes it wrote there, and the one source that sent them (null when several did: a
 * piece continued from another source). Compared with the digest of the same range of the sender's
 * own copy, once that copy checks out, it tells whether that sender sent bytes its copy does not
 * hold.
 */
public record ReceivedPiece(long offset, long length, String source, String digest) {

  public BlobRange range() {
    return new BlobRange(offset, length);
  }
}
