package io.dockmaster.cache;

import java.time.Duration;

/**
 * How a blob's writer keeps pace with the peers relaying it (see {@link BlobWrite#awaitRelays}).
 *
 * @param windowBytes how far the write may run ahead of the slowest relaying peer in step
 * @param stillPatience how long the writer waits for a peer that does not move at all (dead or
 *     stuck) before it stops waiting for it
 * @param slowPatience how long one peer may hold the writer back without ever catching up before
 *     the writer stops waiting for it: a peer that is slow itself (a slower link, a busy node)
 *     would otherwise hold every node of the blob's tree to its pace
 */
public record RelayLimits(long windowBytes, Duration stillPatience, Duration slowPatience) {

  public RelayLimits {
    if (windowBytes <= 0) {
      throw new IllegalArgumentException(
          "relay window must be positive (turn pacing off by not waiting at all), got "
              + windowBytes);
    }
    if (stillPatience.isNegative() || slowPatience.isNegative()) {
      throw new IllegalArgumentException(
          "relay patience must not be negative, got " + stillPatience + " and " + slowPatience);
    }
  }
}
