package io.dockmaster.cache;

/**
 * How much disk the blob cache may use. When a new write would push usage above {@code
 * highWatermark × capacity}, least recently used unpinned blobs are evicted until usage is at or
 * below {@code lowWatermark × capacity}; the gap between the two keeps eviction from running on
 * every write. The capacity itself is a hard limit: a write that cannot fit fails.
 *
 * @param capacityBytes the most bytes complete blobs and writes in progress may take together
 * @param highWatermark fraction of the capacity above which eviction starts, in (0, 1]
 * @param lowWatermark fraction of the capacity eviction brings usage down to, in (0, highWatermark]
 */
public record CacheLimits(long capacityBytes, double highWatermark, double lowWatermark) {

  public static final double DEFAULT_HIGH_WATERMARK = 0.9;
  public static final double DEFAULT_LOW_WATERMARK = 0.8;

  public CacheLimits {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException(
          "cache capacityBytes must be positive, got "
              + capacityBytes
              + "; set it to the disk space"
              + " the agent may use for blobs");
    }
    if (!(highWatermark > 0 && highWatermark <= 1)) {
      throw new IllegalArgumentException(
          "cache highWatermark must be in (0, 1], got " + highWatermark + "; e.g. 0.9");
    }
    if (!(lowWatermark > 0 && lowWatermark <= highWatermark)) {
      throw new IllegalArgumentException(
          "cache lowWatermark must be in (0, highWatermark="
              + highWatermark
              + "], got "
              + lowWatermark
              + "; e.g. 0.8 with a highWatermark of 0.9");
    }
  }

  /** A capacity with the default watermarks (90% and 80%). */
  public static CacheLimits ofCapacity(long capacityBytes) {
    return new CacheLimits(capacityBytes, DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK);
  }

  long highWatermarkBytes() {
    return (long) (capacityBytes * highWatermark);
  }

  long lowWatermarkBytes() {
    return (long) (capacityBytes * lowWatermark);
  }
}
