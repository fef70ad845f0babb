package io.dockmaster.mirror;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exponential delays between attempts for resources whose last attempt failed, so an unreachable
 * registry is retried quickly at first and then gently. Keyed by resource UID; in memory, because
 * after an operator restart retrying promptly is the right thing anyway.
 */
public final class RetryBackoff {

  private final Duration initial;
  private final Duration cap;
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();

  public RetryBackoff(Duration initial, Duration cap) {
    this.initial = initial;
    this.cap = cap;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  public Duration failed(String uid, Duration ceiling) {
    int attempt = failures.merge(uid, 1, Integer::sum);
    Duration delay = initial.multipliedBy(1L << Math.min(attempt - 1, 20));
    Duration limit = ceiling.compareTo(cap) < 0 ? ceiling : cap;
    return delay.compareTo(limit) > 0 ? limit : delay;
  }

  public void succeeded(String uid) {
    failures.remove(uid);
  }
}
