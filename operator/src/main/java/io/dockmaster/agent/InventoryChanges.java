package io.dockmaster.agent;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A version that moves whenever a blob's state as the operator sees it changes (a transfer starts,
 * completes, fails or is replaced; a re-check drops a copy), so the operator can wait for the next
 * change instead of asking every agent every second. Waiting costs no thread.
 */
final class InventoryChanges {

  private final AtomicLong version = new AtomicLong(1);
  private final Set<CompletableFuture<Void>> waiting = ConcurrentHashMap.newKeySet();

  long version() {
    return version.get();
  }

  void changed() {
    version.incrementAndGet();
    waiting.forEach(waiter -> waiter.complete(null));
  }

  /**
   * Completes once the version is no longer {@code seen}, or after {@code maxWaitMillis} without a
   * change.
   */
  CompletableFuture<Void> after(long seen, long maxWaitMillis) {
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    waiting.add(waiter);
    // Added before the check, so a change between the two still completes it.
    if (version.get() != seen) {
      waiter.complete(null);
    }
    waiter.completeOnTimeout(null, maxWaitMillis, TimeUnit.MILLISECONDS);
    waiter.whenComplete((done, e) -> waiting.remove(waiter));
    return waiter;
  }

  /** Waits in progress: each is an open request from the operator. */
  int waiting() {
    return waiting.size();
  }
}
