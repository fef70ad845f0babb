package io.dockmaster.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * How far a blob has been written and whether it was verified or failed, shared between its writer
 * and its readers. Readers block here until the bytes they want exist, so a blob can be streamed
 * onward while it still arrives.
 */
final class BlobProgress {

  private enum State {
    WRITING,
    COMPLETE,
    FAILED
  }

  private final String blobName;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long available;
  private State state;
  private String failure;

  private BlobProgress(String blobName, long available, State state) {
    this.blobName = blobName;
    this.available = available;
    this.state = state;
  }

  static BlobProgress writing(String blobName) {
    return new BlobProgress(blobName, 0, State.WRITING);
  }

  static BlobProgress complete(String blobName, long size) {
    return new BlobProgress(blobName, size, State.COMPLETE);
  }

  long available() {
    lock.lock();
    try {
      return available;
    } finally {
      lock.unlock();
    }
  }

  boolean isComplete() {
    lock.lock();
    try {
      return state == State.COMPLETE;
    } finally {
      lock.unlock();
    }
  }

  void advance(long bytesWritten) {
    update(State.WRITING, bytesWritten, null);
  }

  void complete(long size) {
    update(State.COMPLETE, size, null);
  }

  void fail(String reason) {
    update(State.FAILED, -1, reason);
  }

  /** Wakes every waiting reader, so one whose stream was closed can notice. */
  void wakeReaders() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks until more than {@code position} bytes exist, and returns how many exist.
   *
   * @throws IOException if the write failed or was aborted, even if the bytes exist: they were
   *     never verified
   */
  long awaitBeyond(long position, BooleanSupplier cancelled) throws IOException {
    lock.lock();
    try {
      while (state == State.WRITING && available <= position) {
        await(cancelled);
      }
      checkNotFailed();
      return available;
    } finally {
      lock.unlock();
    }
  }

  /** Blocks until the blob is verified; a reader must not see the end of a blob before that. */
  void awaitComplete(BooleanSupplier cancelled) throws IOException {
    lock.lock();
    try {
      while (state == State.WRITING) {
        await(cancelled);
      }
      checkNotFailed();
    } finally {
      lock.unlock();
    }
  }

  private void await(BooleanSupplier cancelled) throws IOException {
    if (cancelled.getAsBoolean()) {
      throw new IOException("stream of blob " + blobName + " was closed");
    }
    try {
      changed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "interrupted while waiting for blob " + blobName + " to be written");
    }
  }

  /** Throws if the write failed or was aborted. */
  void checkNotFailed() throws IOException {
    if (state == State.FAILED) {
      throw new IOException(
          "blob " + blobName + " was discarded while being written (" + failure + ")");
    }
  }

  private void update(State newState, long newAvailable, String reason) {
    lock.lock();
    try {
      if (state != State.WRITING) {
        return;
      }
      state = newState;
      if (newAvailable >= 0) {
        available = newAvailable;
      }
      failure = reason;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
