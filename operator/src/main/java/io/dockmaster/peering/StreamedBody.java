package io.dockmaster.peering;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A response body arriving on a netty channel, read as a blocking {@link InputStream} or into byte
 * buffers by a transfer thread. The event loop queues each piece as it was decrypted, without a
 * copy, and stops reading the socket once {@link #HIGH_WATER} bytes wait, so a reader held back by
 * a bandwidth cap or a slow disk holds back the sender through TCP instead of filling memory;
 * reading below {@link #LOW_WATER} resumes it. Closing before the end closes the connection, which
 * is never reused. A close or an interrupt from another thread wakes a blocked read.
 */
public final class StreamedBody extends InputStream {

  static final int HIGH_WATER = 512 * 1024;
  static final int LOW_WATER = 128 * 1024;

  private final Channel channel;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  /** Pooled buffers this body owns until they are read or discarded. */
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();

  private long unread;

  private boolean paused;
  private boolean ended;
  private boolean closed;
  private Throwable failure;

  /** The body of the response arriving on {@code channel}, which this body closes. */
  public StreamedBody(Channel channel) {
    this.channel = channel;
  }

  /** On the event loop: takes over {@code data}, released once read or discarded. */
  public void arrived(ByteBuf data) {
    lock.lock();
    try {
      if (closed || !data.isReadable()) {
        data.release();
        return;
      }
      queue.add(data);
      unread += data.readableBytes();
      if (unread >= HIGH_WATER && !paused) {
        paused = true;
        channel.config().setAutoRead(false);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** On the event loop: the last byte arrived. */
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
   * is; -1 at the end. Into a direct buffer this is the only copy the bytes see on their way from
   * the TLS engine to a file channel and the native SHA-256, which would each copy a heap array.
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
    try {
      int taken = 0;
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
      if (paused && unread <= LOW_WATER) {
        paused = false;
        channel.config().setAutoRead(true);
      }
      return taken;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the response");
    } finally {
      lock.unlock();
    }
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
      channel.close();
    }
  }
}
