package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What an agent knows about one blob.
 *
 * @param phase see {@link Phase}
 * @param received bytes written so far (the size once complete)
 * @param source label of the source of the transfer in flight or of the last failed one
 * @param failureReason stable code of the last failure, e.g. DigestMismatch, SourceUnreachable
 * @param failureMessage the failure for people
 * @param heldMillis while receiving: how long in all the transfer has held its source's stream back
 *     to the pace of peers relaying the blob from it (a rate over time not held back is the node's
 *     own); null from agents that do not say
 * @param pieceSources for a blob assembled from pieces whose bytes did not hash to its digest:
 *     every source that wrote bytes of it, when there were several (then {@code source} names
 *     none); null otherwise and from agents that do not say
 * @param waiting while receiving: true when the transfer has not started, waiting behind the one
 *     its order named ({@link TransferOrder#after()}); null otherwise
 * @param receivedPieces with {@code pieceSources}: the digest of the bytes received of each piece,
 *     and from whom; null otherwise and from agents that do not say
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BlobState(
    String digest,
    Phase phase,
    long received,
    String source,
    String failureReason,
    String failureMessage,
    Long heldMillis,
    List<String> pieceSources,
    Boolean waiting,
    List<ReceivedPiece> receivedPieces) {

  public BlobState {
    pieceSources = pieceSources == null ? null : List.copyOf(pieceSources);
    receivedPieces = receivedPieces == null ? null : List.copyOf(receivedPieces);
  }

  /** A state of a transfer that is not waiting. */
  public BlobState(
      String digest,
      Phase phase,
      long received,
      String source,
      String failureReason,
      String failureMessage,
      Long heldMillis,
      List<String> pieceSources) {
    this(
        digest,
        phase,
        received,
        source,
        failureReason,
        failureMessage,
        heldMillis,
        pieceSources,
        null,
        null);
  }

  /** Whether the transfer waits behind another before it starts. */
  public boolean waitsToStart() {
    return Boolean.TRUE.equals(waiting);
  }

  public enum Phase {
    ABSENT,
    RECEIVING,
    COMPLETE,
    FAILED
  }

  /** A state that names no sources of pieces. */
  public BlobState(
      String digest,
      Phase phase,
      long received,
      String source,
      String failureReason,
      String failureMessage,
      Long heldMillis) {
    this(digest, phase, received, source, failureReason, failureMessage, heldMillis, null);
  }

  /** A state that says nothing of holding back. */
  public BlobState(
      String digest,
      Phase phase,
      long received,
      String source,
      String failureReason,
      String failureMessage) {
    this(digest, phase, received, source, failureReason, failureMessage, null);
  }

  /** The same state under another name: a piece's, where the agent tracks it by its key. */
  public BlobState named(String name) {
    return new BlobState(
        name,
        phase,
        received,
        source,
        failureReason,
        failureMessage,
        heldMillis,
        pieceSources,
        waiting,
        receivedPieces);
  }

  public static BlobState absent(String digest) {
    return new BlobState(digest, Phase.ABSENT, 0, null, null, null);
  }
}
