package io.dockmaster.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes content as it is read and fails at the end of the stream if it does not match the expected
 * digest and size. Reading past the expected size fails at once, so a misbehaving server cannot
 * stream forever. Until the end has been reached and verified, nothing read is trustworthy:
 * consumers must not commit content before {@code read} returned -1.
 */
public final class DigestVerifyingInputStream extends FilterInputStream {

  private final Digest expected;
  private final long expectedSize;
  private final Target target;
  private final MessageDigest hasher;
  private long count;
  private boolean verified;
  private RegistryException failure;

  /**
   * @param expectedSize the size in bytes, or -1 if unknown
   * @param registry and {@code repository} name the source in failure messages
   */
  public DigestVerifyingInputStream(
      InputStream in, Digest expected, long expectedSize, String registry, String repository) {
    this(in, expected, expectedSize, Target.blob(repositoryOf(registry, repository), expected));
  }

  DigestVerifyingInputStream(InputStream in, Digest expected, long expectedSize, Target target) {
    super(in);
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.target = target;
    this.hasher = expected.newHasher();
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b < 0) {
      verify();
    } else {
      hasher.update((byte) b);
      counted(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n < 0) {
      verify();
    } else if (n > 0) {
      hasher.update(buffer, offset, n);
      counted(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must still be hashed, so skipping is reading.
    byte[] buffer = new byte[8192];
    long skipped = 0;
    while (skipped < n) {
      int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (read < 0) {
        break;
      }
      skipped += read;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset is not supported while verifying a digest");
  }

  /** Bytes read so far. */
  public long bytesRead() {
    return count;
  }

  private void counted(int n) {
    count += n;
    if (expectedSize >= 0 && count > expectedSize) {
      throw fail("with more than the expected " + expectedSize + " bytes");
    }
  }

  private void verify() {
    if (failure != null) {
      throw failure;
    }
    if (verified) {
      return;
    }
    if (expectedSize >= 0 && count != expectedSize) {
      throw fail("with " + count + " bytes instead of the expected " + expectedSize);
    }
    Digest actual = Digest.of(hasher);
    if (!actual.equals(expected)) {
      throw fail("with content whose digest is " + actual);
    }
    verified = true;
  }

  private RegistryException fail(String problem) {
    failure = RegistryErrors.digestMismatch(target, problem);
    return failure;
  }

  private static ImageReference repositoryOf(String registry, String repository) {
    return ImageReference.parseRepository(registry + "/" + repository);
  }
}
