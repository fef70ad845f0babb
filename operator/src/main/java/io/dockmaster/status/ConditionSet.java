package io.dockmaster.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The conditions of one status, updated the way Kubernetes tooling expects: a condition keeps its
 * lastTransitionTime until its status actually changes, so `kubectl describe` shows how long a
 * resource has been in a state rather than when the operator last looked.
 */
public final class ConditionSet {

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  private final List<Condition> conditions;
  private final long observedGeneration;
  private final Clock clock;

  private ConditionSet(List<Condition> previous, long observedGeneration, Clock clock) {
    this.conditions = new ArrayList<>(previous == null ? List.of() : previous);
    this.observedGeneration = observedGeneration;
    this.clock = clock;
  }

  public static ConditionSet from(List<Condition> previous, long observedGeneration, Clock clock) {
    return new ConditionSet(previous, observedGeneration, clock);
  }

  public ConditionSet set(String type, boolean status, String reason, String message) {
    return set(type, status ? TRUE : FALSE, reason, message);
  }

  public ConditionSet set(String type, String status, String reason, String message) {
    Optional<Condition> previous = find(type);
    String transitionTime =
        previous
            .filter(p -> Objects.equals(p.getStatus(), status))
            .map(Condition::getLastTransitionTime)
            .orElseGet(this::now);
    Condition updated =
        new ConditionBuilder()
            .withType(type)
            .withStatus(status)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(observedGeneration)
            .withLastTransitionTime(transitionTime)
            .build();
    conditions.removeIf(c -> type.equals(c.getType()));
    conditions.add(updated);
    return this;
  }

  public Optional<Condition> find(String type) {
    return find(conditions, type);
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** The conditions in a stable order, so that an unchanged status patches to a no-op. */
  public List<Condition> toList() {
    List<Condition> sorted = new ArrayList<>(conditions);
    sorted.sort(
        (a, b) -> {
          int rank = Integer.compare(rank(a.getType()), rank(b.getType()));
          return rank != 0 ? rank : a.getType().compareTo(b.getType());
        });
    return sorted;
  }

  /** Whether the condition of this type differs from the given one in status or reason. */
  public static boolean changed(List<Condition> before, List<Condition> after, String type) {
    Optional<Condition> a = find(before, type);
    Optional<Condition> b = find(after, type);
    if (a.isEmpty() || b.isEmpty()) {
      return a.isPresent() != b.isPresent();
    }
    return !Objects.equals(a.get().getStatus(), b.get().getStatus())
        || !Objects.equals(a.get().getReason(), b.get().getReason())
        || !Objects.equals(a.get().getMessage(), b.get().getMessage());
  }

  private static int rank(String type) {
    return "Ready".equals(type) ? 0 : 1;
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
