package io.dockmaster.registry;

import java.time.Duration;

/** Waits between retries; replaceable so tests can observe backoff without waiting. */
@FunctionalInterface
public interface Sleeper {

  Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());

  void sleep(Duration duration) throws InterruptedException;
}
