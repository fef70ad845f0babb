package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;

/** Hashing what a cache file holds, to check it against the digest it is stored under. */
final class ContentDigest {

  private static final int BUFFER_BYTES = 1 << 20;

  private ContentDigest() {}

  /**
   * The digest, in {@code expected}'s algorithm, of the file's first {@code length} bytes, or of
   * all it has if it is shorter (which then cannot match).
   */
  static Digest of(FileChannel channel, long length, Digest expected) throws IOException {
    MessageDigest hasher = expected.newHasher();
    // Direct, so the native SHA-256 reads it without a copy.
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    long position = 0;
    while (position < length) {
      buffer.clear().limit((int) Math.min(BUFFER_BYTES, length - position));
      int n = channel.read(buffer, position);
      if (n < 0) {
        break;
      }
      buffer.flip();
      hasher.update(buffer);
      position += n;
    }
    return Digest.of(hasher);
  }
}
