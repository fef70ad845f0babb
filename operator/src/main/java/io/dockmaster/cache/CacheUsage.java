package io.dockmaster.cache;

/**
 * A snapshot of what the blob cache holds.
 *
 * @param usedBytes complete blobs plus the full expected size of every write in progress, since a
 *     started write will take that space
 * @param capacityBytes the configured capacity
 * @param pinnedBytes complete blobs that some owner pinned and that are therefore never evicted
 * @param completeBlobs number of complete, verified blobs
 * @param inProgress number of writes in progress
 */
public record CacheUsage(
    long usedBytes, long capacityBytes, long pinnedBytes, int completeBlobs, int inProgress) {

  public long freeBytes() {
    return Math.max(0, capacityBytes - usedBytes);
  }
}
