package io.dockmaster.control;

import java.util.List;

/** Asks an agent for the state of these blobs only: its cache may hold thousands of others. */
public record InventoryQuery(List<String> digests) {

  public InventoryQuery {
    digests = digests == null ? List.of() : List.copyOf(digests);
  }
}
