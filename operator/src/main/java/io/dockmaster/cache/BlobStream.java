package io.dockmaster.cache;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads a range of a blob from its file with positional reads, blocking for bytes that have not
 * been written yet. The end of the range is only reported once the whole blob is verified, and a
 * failed write fails the stream, so a consumer that reached the end without an exception has
 * received verified content.
 */
final class BlobStream extends InputStream implements ReadableByteChannel {

  private final FileChannel channel;
  private final CachedBlob blob;
  private final long end;
  private final Runnable onClose;
  private final RelayPace.Follower follower;
  private final AtomicBoolean closed = new AtomicBoolean();
  private long position;

  /**
   * @param follower the stream's place among the readers its blob's writer keeps pace with, or null
   */
  BlobStream(
      FileChannel channel,
      CachedBlob blob,
      long offset,
      long length,
      RelayPace.Follower follower,
      Runnable onClose) {
    this.channel = channel;
    this.blob = blob;
    this.position = offset;
    this.end = offset + length;
    this.follower = follower;
    this.onClose = onClose;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    java.util.Objects.checkFromIndexSize(offset, length, buffer.length);
    return read(ByteBuffer.wrap(buffer, offset, length));
  }

  /**
   * Reads into {@code target} from its position, as {@link #read(byte[], int, int)} does; a direct
   * buffer gets the bytes straight from the file, without the copy through a heap array.
   */
  @Override
  public int read(ByteBuffer target) throws IOException {
    ensureOpen();
    if (!target.hasRemaining()) {
      return 0;
    }
    if (position >= end) {
      blob.progress.awaitComplete(closed::get);
      return -1;
    }
    long available = blob.progress.awaitBeyond(position, closed::get);
    int wanted = (int) Math.min(target.remaining(), Math.min(end, available) - position);
    ByteBuffer window = target.slice().limit(wanted);
    while (window.hasRemaining()) {
      int n = channel.read(window, blob.fileOffset + position + window.position());
      if (n < 0) {
        throw new EOFException(
            "blob " + blob.digest + " file ends before " + available + " bytes; it was truncated");
      }
    }
    target.position(target.position() + wanted);
    position += wanted;
    if (follower != null) {
      follower.movedTo(position);
      if (position == end) {
        // A range that ends before the blob does needs nothing more of the writer.
        follower.leave();
      }
    }
    return wanted;
  }

  @Override
  public boolean isOpen() {
    return !closed.get();
  }

  @Override
  public long skip(long n) throws IOException {
    ensureOpen();
    long skipped = Math.max(0, Math.min(n, end - position));
    position += skipped;
    return skipped;
  }

  @Override
  public int available() throws IOException {
    ensureOpen();
    return (int)
        Math.max(
            0, Math.min(Integer.MAX_VALUE, Math.min(end, blob.progress.available()) - position));
  }

  /** Safe from any thread; a reader blocked waiting for bytes wakes up and fails. */
  @Override
  public void close() throws IOException {
    if (closed.compareAndSet(false, true)) {
      try {
        channel.close();
      } finally {
        if (follower != null) {
          follower.leave();
        }
        blob.progress.wakeReaders();
        onClose.run();
      }
    }
  }

  private void ensureOpen() throws IOException {
    if (closed.get()) {
      throw new IOException("stream of blob " + blob.digest + " is closed");
    }
  }
}
