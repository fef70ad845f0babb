package io.dockmaster.peering;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
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
      changed.signalAll();
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

  @Override
  public int read(byte[] into, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, into.length);
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
      while (current == null || position == current.length()) {
        current = queue.poll();
        position = 0;
        if (current != null) {
          continue;
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
      int n = Math.min(length, current.length() - position);
      current.getBytes(position, position + n, into, offset);
      position += n;
      unread -= n;
      if (paused && unread <= LOW_WATER) {
        paused = false;
        context.runOnContext(go -> response.resume());
      }
      return n;
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
