package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.io.IOException;

/** A write could not be started because the blob would not fit even after evicting all it may. */
public final class CacheFullException extends IOException {

  private final Digest digest;
  private final long requestedBytes;
  private final CacheUsage usage;

  CacheFullException(Digest digest, long requestedBytes, CacheUsage usage) {
    super(
        "blob cache is full: blob "
            + digest
            + " needs "
            + requestedBytes
            + " bytes but "
            + usage.usedBytes()
            + " of the "
            + usage.capacityBytes()
            + " bytes capacity are in use ("
            + usage.pinnedBytes()
            + " pinned, "
            + usage.inProgress()
            + " writes in progress) and cannot be evicted; raise the cache capacity or mirror"
            + " fewer images to this node");
    this.digest = digest;
    this.requestedBytes = requestedBytes;
    this.usage = usage;
  }

  public Digest digest() {
    return digest;
  }

  public long requestedBytes() {
    return requestedBytes;
  }

  /** Usage at the moment the write was refused. */
  public CacheUsage usage() {
    return usage;
  }
}
