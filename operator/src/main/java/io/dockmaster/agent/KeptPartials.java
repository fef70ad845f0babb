package io.dockmaster.agent;

import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Partial blobs whose source failed, each waiting a while for an order to continue it; peers keep
 * reading what arrived so far. One not taken in time is discarded.
 */
final class KeptPartials {

  private record Kept(PartialBlob partial, long sinceNanos) {}

  private final Map<Digest, Kept> kept = new ConcurrentHashMap<>();
  private final Duration hold;

  KeptPartials(Duration hold) {
    this.hold = hold;
  }

  void keep(Digest digest, PartialBlob partial) {
    kept.put(digest, new Kept(partial, System.nanoTime()));
  }

  /** The partial blob kept for this digest, now the caller's to continue; null if none. */
  PartialBlob take(Digest digest) {
    Kept held = kept.remove(digest);
    return held == null ? null : held.partial();
  }

  /** Discards those kept longer than the hold time. */
  void expire() {
    long now = System.nanoTime();
    for (Digest digest : kept.keySet()) {
      // Aborted inside the map's lock, so an order taking the write meanwhile finds either the
      // write or nothing left of it in the cache.
      kept.computeIfPresent(
          digest,
          (d, held) -> {
            if (now - held.sinceNanos() <= hold.toNanos()) {
              return held;
            }
            held.partial()
                .write
                .abort(
                    "no order to continue it within "
                        + hold.toSeconds()
                        + "s of its source failing");
            return null;
          });
    }
  }

  void discardAll(String reason) {
    kept.values().forEach(held -> held.partial().write.abort(reason));
    kept.clear();
  }
}
