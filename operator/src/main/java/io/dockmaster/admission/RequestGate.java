package io.dockmaster.admission;

import java.time.Duration;

/**
 * Counts requests in flight and turns new ones away once closing, so that close() can let the rest
 * finish instead of cutting their connections.
 */
final class RequestGate {

  private int inFlight;
  private boolean closing;

  synchronized boolean enter() {
    if (closing) {
      return false;
    }
    inFlight++;
    return true;
  }

  synchronized void exit() {
    inFlight--;
    if (inFlight == 0) {
      notifyAll();
    }
  }

  synchronized int inFlight() {
    return inFlight;
  }

  /** Refuses new requests from now on and waits for those in flight; true if all finished. */
  synchronized boolean closeAndAwait(Duration timeout) throws InterruptedException {
    closing = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }
}
