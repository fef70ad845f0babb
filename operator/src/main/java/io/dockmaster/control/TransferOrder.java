package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param piece the byte range of the blob to fetch, or null for the whole blob; only for agents
 *     that announce {@link AgentLease#PIECES}
 * @param after the unit (as {@link #unitName()} names it) whose transfer on this node this one
 *     waits behind: it starts when that transfer is 8 MiB from its end (at once behind a smaller
 *     one) or has ended, when a peer asks this node for the unit, or at once when no transfer of
 *     that unit is in flight or waiting; null to start at once. Links then carry about one blob at
 *     a time, which is what a chain plan needs (see {@code ChainPlanner}); agents too old to know
 *     the field start at once.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TransferOrder(
    String digest,
    long size,
    String mediaType,
    String repository,
    TransferSource source,
    String pinOwner,
    boolean slowReceiver,
    BlobPiece piece,
    String after) {

  public TransferOrder {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(source, "source");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative, got " + size);
    }
    if (piece != null && (!piece.blob().toString().equals(digest) || piece.end() > size)) {
      throw new IllegalArgumentException(
          "piece " + piece + " is not a range of blob " + digest + " of " + size + " bytes");
    }
  }

  /** What the order fetches, as inventories name it: the piece's name, or the blob's digest. */
  public String unitName() {
    return piece == null ? digest : piece.name();
  }

  /** An order that starts at once. */
  public TransferOrder(
      String digest,
      long size,
      String mediaType,
      String repository,
      TransferSource source,
      String pinOwner,
      boolean slowReceiver,
      BlobPiece piece) {
    this(digest, size, mediaType, repository, source, pinOwner, slowReceiver, piece, null);
  }

  /** The same order, waiting behind the transfer of {@code unitName}. */
  public TransferOrder waitingBehind(String unitName) {
    return new TransferOrder(
        digest, size, mediaType, repository, source, pinOwner, slowReceiver, piece, unitName);
  }

  /** An order for a whole blob. */
  public TransferOrder(
      String digest,
      long size,
      String mediaType,
      String repository,
      TransferSource source,
      String pinOwner,
      boolean slowReceiver) {
    this(digest, size, mediaType, repository, source, pinOwner, slowReceiver, null);
  }

  /** An order for a node whose source may keep pace with it. */
  public TransferOrder(
      String digest,
      long size,
      String mediaType,
      String repository,
      TransferSource source,
      String pinOwner) {
    this(digest, size, mediaType, repository, source, pinOwner, false, null);
  }
}
