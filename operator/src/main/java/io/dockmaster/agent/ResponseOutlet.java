package io.dockmaster.agent;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes a response body from a thread other than the response's event loop, never more than {@link
 * #MAX_QUEUED_BYTES} ahead of what the connection has taken. {@code writeQueueFull} alone is not
 * enough from another thread: each write is handed to the event loop as a task, and the connection
 * only counts it once the task runs, so while the loop is busy a writer that trusts it can queue
 * most of a blob on the heap. Counting each write until its future completes bounds that whatever
 * the loop's lag.
 */
public final class ResponseOutlet {

  static final int MAX_QUEUED_BYTES = 256 * 1024;

  private final HttpServerResponse response;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long queued;

  public ResponseOutlet(HttpServerResponse response) {
    this.response = response;
    response.drainHandler(v -> signal());
    response.closeHandler(v -> signal());
  }

  /**
   * Blocks until the connection can take more, then queues {@code chunk}, and releases it once the
   * connection took it or failed to, or at once if it is never queued: Vert.x leaves a buffer it
   * did not allocate to its owner, so pooled buffers go back to their pool here.
   *
   * @throws IllegalStateException the client went away
   */
  public void write(ByteBuf chunk) throws InterruptedException {
    int length = chunk.readableBytes();
    try {
      awaitRoom(length);
    } catch (InterruptedException | RuntimeException e) {
      chunk.release();
      throw e;
    }
    Future<Void> written;
    try {
      written = response.write(Buffer.buffer(chunk));
    } catch (RuntimeException e) {
      taken(chunk, length);
      throw e;
    }
    written.onComplete(done -> taken(chunk, length));
  }

  private void awaitRoom(int length) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (queued >= MAX_QUEUED_BYTES || response.writeQueueFull()) {
        if (response.closed()) {
          throw new IllegalStateException("client went away");
        }
        // Bounded: a drain that raced the check above is caught on the next pass.
        changed.await(100, TimeUnit.MILLISECONDS);
      }
      if (response.closed()) {
        throw new IllegalStateException("client went away");
      }
      queued += length;
    } finally {
      lock.unlock();
    }
  }

  private void taken(ByteBuf chunk, int length) {
    chunk.release();
    lock.lock();
    try {
      queued -= length;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
