package io.dockmaster.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A response body read as a blocking stream that keeps reading the connection ahead of its reader,
 * up to {@link #READ_AHEAD_BYTES}. The JDK's {@code BodySubscribers.ofInputStream()} asks for the
 * next piece only once its reader took the last one, so every socket read waits for the reading
 * thread to be scheduled: on a busy node the receive window closes while the link could carry more,
 * which on the 20-node lab held every seed's upstream download to 10–17 Mbit/s with a zero window
 * for its first seconds. Here the HTTP client's own threads keep asking while the buffer has room,
 * and TCP still holds the sender back once it is full.
 */
final class ReadAheadBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {

  static final long READ_AHEAD_BYTES = 1024 * 1024;

  private final long readAheadBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private Flow.Subscription subscription;
  private long queuedBytes;
  private boolean requested;
  private boolean complete;
  private boolean closed;
  private Throwable failure;

  ReadAheadBody() {
    this(READ_AHEAD_BYTES);
  }

  ReadAheadBody(long readAheadBytes) {
    this.readAheadBytes = readAheadBytes;
  }

  @Override
  public CompletionStage<InputStream> getBody() {
    return CompletableFuture.completedStage(this);
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    boolean cancel;
    lock.lock();
    try {
      this.subscription = subscription;
      cancel = closed;
      requested = !closed;
    } finally {
      lock.unlock();
    }
    if (cancel) {
      subscription.cancel();
    } else {
      subscription.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> pieces) {
    lock.lock();
    try {
      requested = false;
      if (closed) {
        return;
      }
      for (ByteBuffer piece : pieces) {
        if (piece.hasRemaining()) {
          queue.add(piece);
          queuedBytes += piece.remaining();
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    requestMoreIfRoom();
  }

  @Override
  public void onError(Throwable cause) {
    lock.lock();
    try {
      failure = cause;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onComplete() {
    lock.lock();
    try {
      complete = true;
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
    int taken = 0;
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the response");
    }
    try {
      while (queue.isEmpty()) {
        if (closed) {
          throw new IOException("the response body was closed");
        }
        if (failure != null) {
          throw failure instanceof IOException io
              ? io
              : new IOException(failure.toString(), failure);
        }
        if (complete) {
          return -1;
        }
        changed.await();
      }
      while (taken < length && !queue.isEmpty()) {
        ByteBuffer head = queue.peek();
        int n = Math.min(length - taken, head.remaining());
        head.get(into, offset + taken, n);
        taken += n;
        if (!head.hasRemaining()) {
          queue.poll();
        }
      }
      queuedBytes -= taken;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the response");
    } finally {
      lock.unlock();
    }
    requestMoreIfRoom();
    return taken;
  }

  /** The bytes that arrived and were not read yet: reading them does not block. */
  @Override
  public int available() {
    lock.lock();
    try {
      return (int) Math.min(queuedBytes, Integer.MAX_VALUE);
    } finally {
      lock.unlock();
    }
  }

  /** Closing before the end cancels the response, which closes its connection. */
  @Override
  public void close() {
    Flow.Subscription cancel;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.clear();
      queuedBytes = 0;
      cancel = complete || failure != null ? null : subscription;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (cancel != null) {
      cancel.cancel();
    }
  }

  /**
   * Asks for the next piece unless one is asked for already, the buffer is full, or the body is
   * over; outside the lock, since a subscription may deliver from within {@code request}.
   */
  private void requestMoreIfRoom() {
    Flow.Subscription ask;
    lock.lock();
    try {
      boolean room = queuedBytes < readAheadBytes;
      if (requested || !room || closed || complete || failure != null || subscription == null) {
        return;
      }
      requested = true;
      ask = subscription;
    } finally {
      lock.unlock();
    }
    ask.request(1);
  }
}
