package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache's complete blobs and the bytes it holds or promised to writes in progress: which blob
 * is complete, how recently each was used, which are pinned, and eviction down to the low watermark
 * when a new write would cross the high one. Guarded by the cache's lock.
 */
final class CacheSpace {

  private static final Logger log = LoggerFactory.getLogger(CacheSpace.class);

  private final CacheLimits limits;
  private final CacheLayout layout;
  private final CacheMetrics metrics;
  private final IntSupplier writesInProgress;
  private final Map<Digest, CachedBlob> complete = new HashMap<>();
  private final RecencyOrder recency = new RecencyOrder();
  private final Pins pins = new Pins();
  private long completeBytes;
  private long reservedBytes;

  CacheSpace(
      CacheLimits limits, CacheLayout layout, CacheMetrics metrics, IntSupplier writesInProgress) {
    this.limits = limits;
    this.layout = layout;
    this.metrics = metrics;
    this.writesInProgress = writesInProgress;
  }

  /** The complete blob, or null. */
  CachedBlob complete(Digest digest) {
    return complete.get(digest);
  }

  boolean isComplete(Digest digest) {
    return complete.containsKey(digest);
  }

  /** A reader opened it: it is the most recently used now. */
  void touch(Digest digest) {
    recency.touch(digest);
  }

  /** A verified blob stored in place; with {@code reserved}, its write's reservation ends. */
  void add(CachedBlob blob, boolean reserved) {
    if (reserved) {
      reservedBytes -= blob.size;
    }
    complete.put(blob.digest, blob);
    completeBytes += blob.size;
    recency.add(blob.digest, blob.size);
  }

  /**
   * Deletes a complete blob's file and forgets it, unless another blob took its place meanwhile.
   *
   * @return whether it is gone
   */
  boolean drop(CachedBlob blob) {
    if (complete.get(blob.digest) != blob || !layout.delete(blob.digest)) {
      return false;
    }
    forget(blob);
    return true;
  }

  /** Makes room for a write of {@code size} bytes and reserves them. */
  void reserve(Digest digest, long size) throws CacheFullException {
    makeRoom(digest, size);
    reservedBytes += size;
  }

  /** A write that reserved {@code size} bytes ended without storing them. */
  void release(long size) {
    reservedBytes -= size;
  }

  List<Digest> leastRecentFirst() {
    return recency.leastRecentFirst();
  }

  void pin(String owner, Set<Digest> digests) {
    pins.replace(owner, digests);
  }

  void unpin(String owner) {
    pins.remove(owner);
  }

  long completeBytes() {
    return completeBytes;
  }

  CacheUsage usage() {
    long pinnedBytes = 0;
    for (Digest digest : pins.pinned()) {
      CachedBlob blob = complete.get(digest);
      if (blob != null) {
        pinnedBytes += blob.size;
      }
    }
    return new CacheUsage(
        completeBytes + reservedBytes,
        limits.capacityBytes(),
        pinnedBytes,
        complete.size(),
        writesInProgress.getAsInt());
  }

  /**
   * Evicts down to the low watermark if the new blob crosses the high one; never half-way in vain.
   */
  private void makeRoom(Digest digest, long size) throws CacheFullException {
    long after = completeBytes + reservedBytes + size;
    if (after <= limits.highWatermarkBytes()) {
      return;
    }
    if (after - recency.bytes(this::isEvictable) > limits.capacityBytes()) {
      throw new CacheFullException(digest, size, usage());
    }
    for (Digest victim : recency.victims(after - limits.lowWatermarkBytes(), this::isEvictable)) {
      evict(victim);
    }
    if (completeBytes + reservedBytes + size > limits.capacityBytes()) {
      // Only when deleting a file failed; the index still counts it.
      throw new CacheFullException(digest, size, usage());
    }
  }

  private boolean isEvictable(Digest digest) {
    return !pins.isPinned(digest) && complete.get(digest).readers == 0;
  }

  private void evict(Digest digest) {
    if (!layout.delete(digest)) {
      return;
    }
    CachedBlob blob = complete.get(digest);
    forget(blob);
    metrics.evicted(blob.size);
    log.debug("Evicted blob {} ({} bytes)", digest, blob.size);
  }

  private void forget(CachedBlob blob) {
    complete.remove(blob.digest);
    recency.remove(blob.digest);
    completeBytes -= blob.size;
  }
}
