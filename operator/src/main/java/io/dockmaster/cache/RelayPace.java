package io.dockmaster.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Keeps the writer of a blob from running far ahead of the peers relaying it onward, the way a pipe
 * holds its writer to its reader.
 *
 * <p>A relay that stores what it receives and serves each child as fast as that child's connection
 * goes lets one subtree race ahead while another, whose flows get less of a shared link, falls
 * behind; the one behind catches up only after the upstream is done, and the whole cluster waits
 * for it. Holding the writer to its slowest reader instead moves a blob's tree in step, and a slow
 * flow slows the tree's source, so the upstream link's share goes to the trees that can use it.
 *
 * <p>A reader keeps pace once it is within the window of the head; one that joins further behind (a
 * peer re-planned onto this relay) is not waited for until it catches up. A reader that does not
 * move for the patience while the writer waits for it is let go, so a dead or stuck peer holds its
 * tree for no longer than that.
 */
final class RelayPace {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition moved = lock.newCondition();
  private final List<Follower> followers = new ArrayList<>();

  /** What the writer last said it had written, and how far it may run ahead. */
  private long head;

  private long window = Long.MAX_VALUE;

  /** One reader relaying the blob; its position is what it has read. */
  final class Follower {
    private long position;
    private long movedAtNanos;

    /** Out of step (joined or fell too far behind) until it is within the window again. */
    private boolean behind;

    private Follower(long position) {
      this.position = position;
      this.movedAtNanos = System.nanoTime();
    }

    void movedTo(long newPosition) {
      lock.lock();
      try {
        position = newPosition;
        movedAtNanos = System.nanoTime();
        if (behind && head - position <= window) {
          behind = false;
        }
        moved.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void leave() {
      lock.lock();
      try {
        followers.remove(this);
        moved.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  Follower join(long position) {
    lock.lock();
    try {
      Follower follower = new Follower(position);
      follower.behind = head - position > window;
      followers.add(follower);
      return follower;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks while a follower in step is more than {@code window} bytes behind {@code head}, letting
   * go of any that has not moved for {@code patienceNanos} while waited for.
   *
   * @throws IOException if {@code cancelled} says the write ended meanwhile
   */
  void awaitFollowers(long head, long window, long patienceNanos, BooleanSupplier cancelled)
      throws IOException {
    lock.lock();
    try {
      this.head = head;
      this.window = window;
      long waitingSince = System.nanoTime();
      while (true) {
        long now = System.nanoTime();
        long nextLetGo = Long.MAX_VALUE;
        for (Follower follower : followers) {
          if (follower.behind || head - follower.position <= window) {
            continue;
          }
          long stillSince = Math.max(waitingSince, follower.movedAtNanos);
          if (now - stillSince >= patienceNanos) {
            follower.behind = true;
          } else {
            nextLetGo = Math.min(nextLetGo, stillSince + patienceNanos);
          }
        }
        if (nextLetGo == Long.MAX_VALUE) {
          return;
        }
        if (cancelled.getAsBoolean()) {
          throw new IOException("the write ended while waiting for the peers relaying it");
        }
        moved.awaitNanos(nextLetGo - now);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the peers relaying a blob");
    } finally {
      lock.unlock();
    }
  }

  /** Wakes a waiting writer, so one whose write was cancelled can notice. */
  void wakeWriter() {
    lock.lock();
    try {
      moved.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
