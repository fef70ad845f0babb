package io.dockmaster.control;

import java.util.Objects;

/**
 * Fetch one blob into the agent's cache.
 *
 * @param digest content digest, e.g. sha256:...; the only key the cache knows
 * @param size expected size in bytes; a source sending more or less is a failed transfer
 * @param mediaType recorded so the agent can serve manifests with the right Content-Type
 * @param repository repository path on the upstream registry (peers serve any path by digest)
 * @param source where to fetch it from
 * @param pinOwner the ImageMirror UID that keeps this blob from eviction, or null
 * @param slowReceiver the operator measured this node taking in its blobs far slower than the rest:
 *     a peer source should not hold its own transfer to this node's pace (it asks so with {@code
 *     ?pace=none}), which would hold every node of the blob's tree to it
 */
public record TransferOrder(
    String digest,
    long size,
    String mediaType,
    String repository,
    TransferSource source,
    String pinOwner,
    boolean slowReceiver) {

  public TransferOrder {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(source, "source");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative, got " + size);
    }
  }

  /** An order for a node whose source may keep pace with it. */
  public TransferOrder(
      String digest,
      long size,
      String mediaType,
      String repository,
      TransferSource source,
      String pinOwner) {
    this(digest, size, mediaType, repository, source, pinOwner, false);
  }
}
