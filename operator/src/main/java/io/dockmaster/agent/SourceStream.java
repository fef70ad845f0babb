package io.dockmaster.agent;

import io.dockmaster.cache.BlobWrite;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
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
   * On the transfer's thread: waits for some bytes, then also takes those that already arrived
   * behind them, up to a full buffer; -1 at the end. Every chunk costs a hash update, a file write
   * and a wake-up of the peers reading the partial blob, and a busy agent finds many small reads
   * queued: taking them at once keeps that cost per byte low without waiting for bytes that are not
   * there yet.
   */
  int fill(byte[] buffer) throws IOException {
    int filled = in.read(buffer);
    try {
      while (filled > 0 && filled < buffer.length && in.available() > 0) {
        int n = in.read(buffer, filled, buffer.length - filled);
        if (n == -1) {
          break;
        }
        filled += n;
      }
    } catch (IOException e) {
      // The bytes already read go to the cache; the next read meets the failure again.
    }
    return filled;
  }

  /** On the transfer's thread: appends to the cache unless the stream was cut off. */
  void write(BlobWrite write, byte[] buffer, int length) throws IOException {
    synchronized (this) {
      if (cut.get() || Thread.interrupted()) {
        throw new InterruptedIOException("cut off");
      }
      writing = true;
    }
    try {
      write.write(buffer, 0, length);
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
