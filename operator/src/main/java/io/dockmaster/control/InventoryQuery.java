package io.dockmaster.control;

import java.util.List;

/**
 * Asks an agent for the state of these blobs only: its cache may hold thousands of others.
 *
 * @param afterVersion when set with {@code waitMillis}, the agent answers once its {@link
 *     AgentReport#version()} is no longer this one, or when the wait is over: the operator learns
 *     of changes without asking every agent every second
 * @param waitMillis how long the agent may hold the answer; 0 answers at once
 */
public record InventoryQuery(List<String> digests, Long afterVersion, long waitMillis) {

  public InventoryQuery {
    digests = digests == null ? List.of() : List.copyOf(digests);
    if (waitMillis < 0) {
      throw new IllegalArgumentException("waitMillis must not be negative, got " + waitMillis);
    }
  }

  /** The state now. */
  public InventoryQuery(List<String> digests) {
    this(digests, null, 0);
  }
}
