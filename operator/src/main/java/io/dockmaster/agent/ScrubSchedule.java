package io.dockmaster.agent;

import java.time.Duration;

/**
 * How often the agent re-hashes every complete blob in its cache, and how fast it reads them.
 *
 * @param interval from the start of one pass to the start of the next; zero turns scrubbing off
 * @param bytesPerSecond average reading rate (each blob is read at disk speed, then the pass waits
 *     as long as reading it at this rate would take), so a pass leaves the disk mostly to transfers
 */
public record ScrubSchedule(Duration interval, long bytesPerSecond) {

  public ScrubSchedule {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("the scrub interval must not be negative: " + interval);
    }
    if (!interval.isZero() && bytesPerSecond <= 0) {
      throw new IllegalArgumentException(
          "the scrub rate must be positive when scrubbing is on, got " + bytesPerSecond);
    }
  }

  public static ScrubSchedule off() {
    return new ScrubSchedule(Duration.ZERO, 0);
  }

  public boolean enabled() {
    return !interval.isZero();
  }

  /** How long reading {@code bytes} takes at the rate. */
  Duration readTime(long bytes) {
    return Duration.ofMillis(bytes * 1000 / bytesPerSecond);
  }
}
