package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * Complete blobs from least to most recently used, with their sizes, and the choice of which to
 * evict. Pure bookkeeping, no files. Not thread-safe: the cache guards it.
 */
final class RecencyOrder {

  private final LinkedHashMap<Digest, Long> sizes = new LinkedHashMap<>(64, 0.75f, true);

  /** Adds a blob as the most recently used one. */
  void add(Digest digest, long size) {
    sizes.put(digest, size);
  }

  void touch(Digest digest) {
    sizes.get(digest);
  }

  void remove(Digest digest) {
    sizes.remove(digest);
  }

  /** Blobs from least to most recently used. */
  List<Digest> leastRecentFirst() {
    return List.copyOf(sizes.keySet());
  }

  long bytes(Predicate<Digest> which) {
    long total = 0;
    for (var entry : sizes.entrySet()) {
      if (which.test(entry.getKey())) {
        total += entry.getValue();
      }
    }
    return total;
  }

  /**
   * The least recently used blobs that {@code evictable} allows, oldest first, until together they
   * free at least {@code bytesToFree}; fewer if the evictable ones do not add up to that much.
   */
  List<Digest> victims(long bytesToFree, Predicate<Digest> evictable) {
    List<Digest> victims = new ArrayList<>();
    long freed = 0;
    for (var entry : sizes.entrySet()) {
      if (freed >= bytesToFree) {
        break;
      }
      if (evictable.test(entry.getKey())) {
        victims.add(entry.getKey());
        freed += entry.getValue();
      }
    }
    return victims;
  }
}
