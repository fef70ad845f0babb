package io.dockmaster.peering;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Vert.x response body read as a blocking {@link InputStream} by a transfer thread. The event
 * loop queues what arrives and pauses the response once {@link #HIGH_WATER} bytes wait, so a reader
 * held back by a bandwidth cap or a slow disk holds back the sender through TCP instead of filling
 * the heap; reading below {@link #LOW_WATER} resumes it. Closing before the end resets the request,
 * so the connection never goes back to the pool with a body half read. A close or an interrupt from
 * another thread wakes a blocked read.
 */
public final class StreamedBody extends InputStream {

  static final int HIGH_WATER = 512 * 1024;
  static final int LOW_WATER = 128 * 1024;

  private final HttpClientResponse response;
  private final Context context;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
  private Buffer current;
  private int position;
  private long unread;

  /**
   * The queued bytes at which an arrival wakes the reader: 1 for a plain read, more while {@link
   * #awaitGathered} lets bytes gather.
   */
  private long wakeAt = 1;

  private boolean paused;
  private boolean ended;
  private boolean closed;
  private Throwable failure;

  private StreamedBody(HttpClientResponse response, Context context) {
    this.response = response;
    this.context = context;
  }

  /**
   * Takes over the response's body; call on its event loop, in the callback that received the
   * response, before the first bytes are handed out.
   */
  public static StreamedBody of(HttpClientResponse response) {
    Context context = Objects.requireNonNull(Vertx.currentContext(), "not on a Vert.x context");
    StreamedBody body = new StreamedBody(response, context);
    response.handler(body::arrived);
    response.endHandler(done -> body.ended());
    response.exceptionHandler(body::failed);
    return body;
  }

  private void arrived(Buffer data) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      queue.add(data);
      unread += data.length();
      if (unread >= HIGH_WATER && !paused) {
        paused = true;
        response.pause();
      }
      if (unread >= wakeAt) {
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  private void ended() {
    lock.lock();
    try {
      ended = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void failed(Throwable cause) {
    lock.lock();
    try {
      if (failure == null) {
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
    return take(length, (from, at, n, filled) -> from.getBytes(at, at + n, into, offset + filled));
  }

  /**
   * Moves what is queued into {@code into}, up to its remaining space, blocking only while nothing
   * is; -1 at the end. Into a direct buffer this is the only copy before the bytes reach a file
   * channel and the native SHA-256, which would each copy a heap array again.
   */
  public int read(ByteBuffer into) throws IOException {
    return take(
        into.remaining(),
        (from, at, n, filled) -> {
          int limit = into.limit();
          into.limit(into.position() + n);
          from.getByteBuf().getBytes(at, into);
          into.limit(limit);
        });
  }

  /** Copies {@code length} bytes of {@code from}, starting at {@code at}, to the reader's side. */
  private interface Sink {
    void put(Buffer from, int at, int length, int alreadyTaken);
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
        if (current != null && position < current.length()) {
          int n = Math.min(length - taken, current.length() - position);
          sink.put(current, position, n, taken);
          position += n;
          taken += n;
          continue;
        }
        current = queue.poll();
        position = 0;
        if (current != null) {
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
        context.runOnContext(go -> response.resume());
      }
      return taken;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the response");
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks until {@code bytes} are queued, the body ended, failed or was closed, or {@code linger}
   * passed with at least one byte queued (with none, it waits for the first as a read would). The
   * reader then takes them in one read: every read costs it a hash update, a file write and a
   * wake-up of the peers reading the blob onward, while the event loop hands over whatever one
   * socket read brought (11–16 KiB under load). Waking the reader only once enough is here saves
   * most of those, at the price of at most {@code linger} of extra delay.
   *
   * @throws InterruptedIOException if the thread was interrupted (a cut-off), as a read would
   */
  public void awaitGathered(int bytes, Duration linger) throws InterruptedIOException {
    try {
      lock.lockInterruptibly();
      try {
        long remaining = linger.toNanos();
        while (unread < bytes && !ended && !closed && failure == null) {
          if (remaining > 0) {
            wakeAt = bytes;
            remaining = changed.awaitNanos(remaining);
          } else if (unread > 0) {
            return;
          } else {
            wakeAt = 1;
            changed.await();
          }
        }
      } finally {
        wakeAt = 1;
        lock.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the response");
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
      reset = !ended && failure == null;
      queue.clear();
      current = null;
      unread = 0;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (reset) {
      context.runOnContext(go -> response.request().reset());
    }
  }
}
