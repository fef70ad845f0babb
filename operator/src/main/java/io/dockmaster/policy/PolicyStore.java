package io.dockmaster.policy;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The policies in force, as admission sees them. A policy enters only after validation, so an
 * invalid update leaves the previous valid version in place rather than half-applying.
 */
public final class PolicyStore {

  private final Map<String, LoadedPolicy> byName = new ConcurrentHashMap<>();

  public void put(LoadedPolicy policy) {
    byName.put(policy.name(), policy);
  }

  public void remove(String name) {
    byName.remove(name);
  }

  public Optional<LoadedPolicy> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public Collection<LoadedPolicy> all() {
    return List.copyOf(byName.values());
  }
}
