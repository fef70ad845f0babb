package io.dockmaster.agent;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every source that wrote pieces of each blob being assembled here. A blob is checked only once its
 * last piece is in, so when it does not hash to its digest these are whom the operator can suspect:
 * one of them sent the wrong bytes, and when there was only one, it did.
 */
final class PieceSenders {

  private final Map<Digest, Set<String>> byBlob = new ConcurrentHashMap<>();

  /** Noted before the piece is committed, so the commit that completes the blob finds them all. */
  void wrote(Digest blob, List<String> sources) {
    byBlob.compute(
        blob,
        (b, known) -> {
          Set<String> all = known == null ? new LinkedHashSet<>() : known;
          all.addAll(sources);
          return all;
        });
  }

  /** The senders of a blob whose pieces were all discarded; none are kept for it afterwards. */
  List<String> take(Digest blob) {
    Set<String> senders = byBlob.remove(blob);
    return senders == null ? List.of() : new ArrayList<>(senders);
  }

  /** The blob is complete, or its pieces are gone: its senders no longer matter. */
  void forget(Digest blob) {
    byBlob.remove(blob);
  }
}
