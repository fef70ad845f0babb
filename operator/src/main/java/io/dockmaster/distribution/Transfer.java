package io.dockmaster.distribution;

import java.util.Objects;

/**
 * One node fetching one blob.
 *
 * @param node the receiving node
 * @param blob what it fetches
 * @param source where from
 * @param depth hops between the node and a complete copy: 1 when the source is the registry or a
 *     node holding the blob, one more than the source's own transfer when the source is still
 *     receiving it and passes it on as it arrives
 */
public record Transfer(String node, Blob blob, Source source, int depth) {

  public Transfer {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(blob, "blob");
    Objects.requireNonNull(source, "source");
    if (depth < 1) {
      throw new IllegalArgumentException("transfer depth must be at least 1, got " + depth);
    }
  }
}
