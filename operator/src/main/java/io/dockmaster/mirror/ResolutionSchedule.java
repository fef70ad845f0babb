package io.dockmaster.mirror;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each mirror resolves its images again. Reconciliations come often while nodes receive layers
 * (to report progress); resolving upstream on each would hammer the registry, so the last
 * resolution is kept until refreshInterval (or the failure backoff) says otherwise, or the spec
 * changes.
 */
final class ResolutionSchedule {

  record Entry(long generation, ResolutionRun run, Instant next) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  /** The resolution still in force for this generation, if one is and it is not yet due. */
  Optional<ResolutionRun> current(String uid, long generation, Instant now) {
    Entry entry = entries.get(uid);
    if (entry == null || entry.generation() != generation || !now.isBefore(entry.next())) {
      return Optional.empty();
    }
    return Optional.of(entry.run());
  }

  Optional<Instant> nextResolution(String uid) {
    return Optional.ofNullable(entries.get(uid)).map(Entry::next);
  }

  void resolved(String uid, long generation, ResolutionRun run, Instant next) {
    entries.put(uid, new Entry(generation, run, next));
  }

  void forget(String uid) {
    entries.remove(uid);
  }
}
