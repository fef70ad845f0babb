package io.dockmaster.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
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
 * <p>A reader keeps pace once it is within half the window of the head; one that joins further
 * behind (a peer re-planned onto this relay) is not waited for until it catches up. The writer
 * stops waiting for a reader that does not move for the still patience (a dead or stuck peer), and
 * for one that has held it back for the slow patience in all without ever catching up: a peer whose
 * own link or CPU is slower than the rest would otherwise hold every node of the blob's tree, and
 * through them every other tree it is in, to its pace. A reader let go goes on at its own pace,
 * served from what is written, and is kept pace with again if it catches up.
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
    private final String reader;
    private long position;
    private long movedAtNanos;

    /** Out of step (joined far behind, or let go) until it catches up. */
    private boolean behind;

    /** How long it has held the writer back since it last caught up. */
    private long heldNanos;

    /** Whether the writer's current wait is for this follower (among others). */
    private boolean holding;

    private Follower(long position, String reader) {
      this.position = position;
      this.reader = reader;
      this.movedAtNanos = System.nanoTime();
    }

    void movedTo(long newPosition) {
      lock.lock();
      try {
        position = newPosition;
        movedAtNanos = System.nanoTime();
        // Half the window, not the window: a reader the writer is held to hovers at the window's
        // edge, and only one that gets clearly closer has caught up.
        if (head - position <= window / 2) {
          behind = false;
          heldNanos = 0;
          holding = false;
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

  /**
   * @param reader who reads, for the writer's account of whom it let go
   */
  Follower join(long position, String reader) {
    lock.lock();
    try {
      Follower follower = new Follower(position, reader);
      follower.behind = head - position > window;
      followers.add(follower);
      return follower;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks while a follower in step is more than the window behind {@code head}, letting go of any
   * that has not moved for the still patience while waited for, or held the writer back for the
   * slow patience since it last caught up.
   *
   * @return the followers let go during this wait; usually none
   * @throws IOException if {@code cancelled} says the write ended meanwhile
   */
  List<RelayRelease> awaitFollowers(long head, RelayLimits limits, BooleanSupplier cancelled)
      throws IOException {
    long stillPatience = limits.stillPatience().toNanos();
    long slowPatience = limits.slowPatience().toNanos();
    List<RelayRelease> released = List.of();
    lock.lock();
    try {
      this.head = head;
      this.window = limits.windowBytes();
      long waitingSince = System.nanoTime();
      long previous = waitingSince;
      while (true) {
        long now = System.nanoTime();
        long nextLetGo = Long.MAX_VALUE;
        for (Follower follower : followers) {
          if (follower.holding) {
            follower.heldNanos += now - previous;
          }
          follower.holding = false;
          if (follower.behind || head - follower.position <= window) {
            continue;
          }
          long stillSince = Math.max(waitingSince, follower.movedAtNanos);
          boolean still = now - stillSince >= stillPatience;
          if (still || follower.heldNanos >= slowPatience) {
            follower.behind = true;
            released = add(released, letGo(follower, still));
          } else {
            follower.holding = true;
            long untilStill = stillSince + stillPatience - now;
            long untilSlow = slowPatience - follower.heldNanos;
            nextLetGo = Math.min(nextLetGo, now + Math.min(untilStill, untilSlow));
          }
        }
        previous = now;
        if (nextLetGo == Long.MAX_VALUE) {
          return released;
        }
        if (cancelled.getAsBoolean()) {
          clearHolding();
          throw new IOException("the write ended while waiting for the peers relaying it");
        }
        moved.awaitNanos(nextLetGo - now);
      }
    } catch (InterruptedException e) {
      clearHolding();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the peers relaying a blob");
    } finally {
      lock.unlock();
    }
  }

  private RelayRelease letGo(Follower follower, boolean still) {
    RelayRelease release =
        new RelayRelease(
            follower.reader, head - follower.position, Duration.ofNanos(follower.heldNanos), still);
    follower.heldNanos = 0;
    return release;
  }

  private static List<RelayRelease> add(List<RelayRelease> released, RelayRelease release) {
    List<RelayRelease> more = new ArrayList<>(released);
    more.add(release);
    return more;
  }

  private void clearHolding() {
    followers.forEach(follower -> follower.holding = false);
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
