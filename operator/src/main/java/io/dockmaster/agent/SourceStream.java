package io.dockmaster.agent;

import io.dockmaster.cache.BlobWrite;
import io.dockmaster.streaming.StreamedBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source's stream into a blob's cache write, on the transfer's thread, so a stalled or replaced
 * source can be cut off from another thread. Cutting off never interrupts a write to the cache file
 * (an interrupt there closes the file's channel, and the bytes written so far are to be continued
 * from) nor anything after the stream ended (the commit, the next source, another transfer on the
 * same pooled thread); it never waits for a write either.
 */
final class SourceStream {

  private static final Logger log = LoggerFactory.getLogger(SourceStream.class);

  private final Thread thread;
  private final InputStream in;
  final AtomicBoolean stalled = new AtomicBoolean();
  final AtomicBoolean superseded = new AtomicBoolean();
  private final AtomicBoolean cut = new AtomicBoolean();
  private byte[] staging;
  private boolean writing;
  private boolean ended;

  /** On the transfer's own thread. */
  SourceStream(InputStream in) {
    this.thread = Thread.currentThread();
    this.in = in;
  }

  /** From any thread: the next read or write fails with an {@link InterruptedIOException}. */
  void cutOff() {
    cut.set(true);
    synchronized (this) {
      if (!ended && !writing) {
        // Wakes a read blocked on the network or a wait for bandwidth.
        thread.interrupt();
      }
    }
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      log.debug("closing a cut-off stream failed: {}", e.toString());
    }
  }

  /**
   * On the transfer's thread: clears {@code buffer}, waits for some bytes, then also takes those
   * that already arrived behind them, up to a full buffer, and flips it; -1 at the end. Every chunk
   * costs a hash update, a file write and a wake-up of the peers reading the partial blob, so a
   * busy agent takes the many small pieces it finds queued at once.
   */
  int fill(ByteBuffer buffer) throws IOException {
    buffer.clear();
    int filled;
    if (in instanceof StreamedBody body) {
      filled = body.read(buffer);
    } else {
      filled = fillStaged(buffer);
    }
    buffer.flip();
    return filled;
  }

  /** Streams without a byte-buffer read (upstream's) go through a heap array, as they would. */
  private int fillStaged(ByteBuffer buffer) throws IOException {
    if (staging == null) {
      staging = new byte[buffer.capacity()];
    }
    int filled = in.read(staging, 0, buffer.remaining());
    try {
      while (filled > 0 && filled < buffer.remaining() && in.available() > 0) {
        int n = in.read(staging, filled, buffer.remaining() - filled);
        if (n == -1) {
          break;
        }
        filled += n;
      }
    } catch (IOException e) {
      // The bytes already read go to the cache; the next read meets the failure again.
    }
    if (filled > 0) {
      buffer.put(staging, 0, filled);
    }
    return filled;
  }

  /**
   * On the transfer's thread: appends what remains of {@code buffer} to the cache unless the stream
   * was cut off.
   */
  void write(BlobWrite write, ByteBuffer buffer) throws IOException {
    synchronized (this) {
      if (cut.get() || Thread.interrupted()) {
        throw new InterruptedIOException("cut off");
      }
      writing = true;
    }
    try {
      write.write(buffer);
    } finally {
      synchronized (this) {
        writing = false;
      }
    }
  }

  /**
   * On the transfer's thread, once it stops reading this stream: from now on a cut-off does not
   * interrupt the thread, and an interrupt that already landed is cleared.
   */
  void end() {
    synchronized (this) {
      ended = true;
    }
    Thread.interrupted();
  }
}
