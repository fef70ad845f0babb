package io.dockmaster.streaming;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A response body arriving in pieces on another thread (a connection's event loop, an HTTP client's
 * own threads), read as a blocking {@link InputStream} or into byte buffers by a transfer thread.
 * Pieces are queued as they came, without a copy; once {@code highWater} bytes wait the {@link
 * Source} is told to pause, so a reader held back by a bandwidth cap, a slow disk or a busy CPU
 * holds back the sender through TCP instead of filling memory, and reading down to {@code lowWater}
 * resumes it. Closing before the end aborts the source. A close or an interrupt from another thread
 * wakes a blocked read.
 */
public final class StreamedBody extends InputStream {

  /**
   * Where the pieces come from, told to pause and resume as the reader falls behind and catches up.
   */
  public interface Source {
    /** Stop delivering; on the delivering thread (within {@link #arrived}). */
    void pause();

    /** Deliver again; on the reading thread, outside the body's lock. */
    void resume();

    /** The reader gave up before the end: nothing more is wanted. */
    void abort();
  }

  private final Source source;
  private final long highWater;
  private final long lowWater;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  /** Buffers this body owns until they are read or discarded. */
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();

  private long unread;

  private boolean paused;
  private boolean ended;
  private boolean closed;
  private Throwable failure;

  /** Pauses {@code source} once {@code highWater} bytes wait, resumes it at {@code lowWater}. */
  public StreamedBody(Source source, long highWater, long lowWater) {
    if (lowWater >= highWater) {
      throw new IllegalArgumentException("lowWater must be below highWater");
    }
    this.source = source;
    this.highWater = highWater;
    this.lowWater = lowWater;
  }

  /**
   * On the delivering thread: takes over {@code data}, released once read or discarded.
   *
   * @return whether more is wanted now: false once the source was paused or the body closed
   */
  public boolean arrived(ByteBuf data) {
    lock.lock();
    try {
      if (closed || !data.isReadable()) {
        data.release();
        return !closed && !paused;
      }
      queue.add(data);
      unread += data.readableBytes();
      if (unread >= highWater && !paused) {
        paused = true;
        source.pause();
      }
      changed.signalAll();
      return !paused;
    } finally {
      lock.unlock();
    }
  }

  /** On the delivering thread: the last byte arrived. */
  public void ended() {
    lock.lock();
    try {
      ended = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The body breaks off: reads return what already arrived, then fail with {@code cause}. */
  public void failed(Throwable cause) {
    lock.lock();
    try {
      if (failure == null && !ended) {
        failure = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n == -1 ? -1 : one[0] & 0xff;
  }

  /** Takes what is queued, up to {@code length} bytes; blocks only while nothing is. */
  @Override
  public int read(byte[] into, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, into.length);
    return take(length, (from, n, taken) -> from.readBytes(into, offset + taken, n));
  }

  /**
   * Moves what is queued into {@code into}, up to its remaining space, blocking only while nothing
   * is; -1 at the end. Into a direct buffer this is the only copy the bytes see on their way to a
   * file channel and the native SHA-256, which would each copy a heap array.
   */
  public int read(ByteBuffer into) throws IOException {
    return take(
        into.remaining(),
        (from, n, taken) -> {
          int limit = into.limit();
          into.limit(into.position() + n);
          from.readBytes(into);
          into.limit(limit);
        });
  }

  /** Copies {@code length} bytes from the reader index of {@code from} to the reader's side. */
  private interface Sink {
    void put(ByteBuf from, int length, int alreadyTaken);
  }

  private int take(int length, Sink sink) throws IOException {
    if (length == 0) {
      return 0;
    }
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the response");
    }
    int taken = 0;
    boolean resume = false;
    try {
      while (taken < length) {
        ByteBuf head = queue.peek();
        if (head != null) {
          int n = Math.min(length - taken, head.readableBytes());
          sink.put(head, n, taken);
          taken += n;
          if (!head.isReadable()) {
            queue.poll().release();
          }
          continue;
        }
        if (taken > 0) {
          break;
        }
        if (closed) {
          throw new IOException("the response body was closed");
        }
        if (failure != null) {
          throw failure instanceof IOException io
              ? io
              : new IOException(failure.toString(), failure);
        }
        if (ended) {
          return -1;
        }
        changed.await();
      }
      unread -= taken;
      if (paused && unread <= lowWater) {
        paused = false;
        resume = true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the response");
    } finally {
      lock.unlock();
    }
    if (resume) {
      // A source may deliver from within resume(), which takes the lock again.
      source.resume();
    }
    return taken;
  }

  /** The bytes that arrived and were not read yet: reading them does not block. */
  @Override
  public int available() {
    lock.lock();
    try {
      return (int) Math.min(unread, Integer.MAX_VALUE);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    boolean reset;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      reset = !ended;
      queue.forEach(ByteBuf::release);
      queue.clear();
      unread = 0;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (reset) {
      // Half read: the rest would only arrive to be thrown away.
      source.abort();
    }
  }
}
