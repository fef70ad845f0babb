package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which owners (ImageMirror UIDs) keep which blobs from eviction. A blob stays pinned while any
 * owner pins it. Pins may name blobs that are not cached yet. Not thread-safe: the cache guards it.
 */
final class Pins {

  private final Map<String, Set<Digest>> byOwner = new HashMap<>();
  private final Map<Digest, Integer> ownerCounts = new HashMap<>();

  /** Replaces everything {@code owner} pinned with {@code digests}. */
  void replace(String owner, Set<Digest> digests) {
    remove(owner);
    Set<Digest> copy = Set.copyOf(digests);
    if (copy.isEmpty()) {
      return;
    }
    byOwner.put(owner, copy);
    copy.forEach(digest -> ownerCounts.merge(digest, 1, Integer::sum));
  }

  void remove(String owner) {
    Set<Digest> previous = byOwner.remove(owner);
    if (previous != null) {
      previous.forEach(
          digest -> ownerCounts.computeIfPresent(digest, (d, n) -> n == 1 ? null : n - 1));
    }
  }

  boolean isPinned(Digest digest) {
    return ownerCounts.containsKey(digest);
  }

  Set<Digest> pinned() {
    return ownerCounts.keySet();
  }
}
