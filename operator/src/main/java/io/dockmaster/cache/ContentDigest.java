package io.dockmaster.cache;

import io.dockmaster.control.BlobRange;
import io.dockmaster.control.RangeDigest;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/** Hashing what a cache file holds, to check it against the digest it is stored under. */
final class ContentDigest {

  private static final int BUFFER_BYTES = 1 << 20;

  private ContentDigest() {}

  /**
   * The digest, in {@code expected}'s algorithm, of the file's first {@code length} bytes, or of
   * all it has if it is shorter (which then cannot match).
   */
  static Digest of(FileChannel channel, long length, Digest expected) throws IOException {
    return of(channel, 0, length, expected, newBuffer());
  }

  /** The digests of these ranges of the file, in the blob digest's algorithm. */
  static List<RangeDigest> ofRanges(FileChannel channel, List<BlobRange> ranges, Digest blob)
      throws IOException {
    ByteBuffer buffer = newBuffer();
    List<RangeDigest> digests = new ArrayList<>();
    for (BlobRange range : ranges) {
      Digest digest = of(channel, range.offset(), range.length(), blob, buffer);
      digests.add(new RangeDigest(range.offset(), range.length(), digest.toString()));
    }
    return digests;
  }

  /** Direct, so the native SHA-256 reads it without a copy. */
  private static ByteBuffer newBuffer() {
    return ByteBuffer.allocateDirect(BUFFER_BYTES);
  }

  /**
   * The digest, in {@code expected}'s algorithm, of {@code length} bytes of the file from {@code
   * offset}, or of all it has from there if it is shorter.
   */
  private static Digest of(
      FileChannel channel, long offset, long length, Digest expected, ByteBuffer buffer)
      throws IOException {
    MessageDigest hasher = expected.newHasher();
    long read = 0;
    while (read < length) {
      buffer.clear().limit((int) Math.min(BUFFER_BYTES, length - read));
      int n = channel.read(buffer, offset + read);
      if (n < 0) {
        break;
      }
      buffer.flip();
      hasher.update(buffer);
      read += n;
    }
    return Digest.of(hasher);
  }
}
