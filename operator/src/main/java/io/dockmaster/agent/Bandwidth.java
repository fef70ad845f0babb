package io.dockmaster.agent;

import io.github.bucket4j.Bucket;
import java.time.Duration;

/**
 * A per-node cap on bytes per second in one direction, shared by every stream in that direction so
 * that many concurrent transfers together stay under it. Blocking: a stream over its share waits.
 */
final class Bandwidth {

  private static final Bandwidth UNLIMITED = new Bandwidth(null, 0);

  private final Bucket bucket;
  private final long bytesPerSecond;

  private Bandwidth(Bucket bucket, long bytesPerSecond) {
    this.bucket = bucket;
    this.bytesPerSecond = bytesPerSecond;
  }

  /**
   * @param bytesPerSecond 0 or less for no cap
   */
  static Bandwidth of(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      return UNLIMITED;
    }
    // A 100 ms burst: enough that 64 KiB chunks never wait on an idle link, small enough that a
    // cap is a cap over any second.
    long burst = Math.max(64 * 1024, bytesPerSecond / 10);
    Bucket bucket =
        Bucket.builder()
            .addLimit(
                limit ->
                    limit
                        .capacity(burst)
                        .refillGreedy(bytesPerSecond, Duration.ofSeconds(1))
                        .initialTokens(burst))
            .build();
    return new Bandwidth(bucket, bytesPerSecond);
  }

  /** Waits until {@code bytes} may pass. */
  void acquire(int bytes) throws InterruptedException {
    if (bucket != null && bytes > 0) {
      bucket.asBlocking().consume(bytes);
    }
  }

  long bytesPerSecond() {
    return bytesPerSecond;
  }

  boolean isLimited() {
    return bucket != null;
  }
}
