package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What an agent knows about one blob.
 *
 * @param phase see {@link Phase}
 * @param received bytes written so far (the size once complete)
 * @param source label of the source of the transfer in flight or of the last failed one
 * @param failureReason stable code of the last failure, e.g. DigestMismatch, SourceUnreachable
 * @param failureMessage the failure for people
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BlobState(
    String digest,
    Phase phase,
    long received,
    String source,
    String failureReason,
    String failureMessage) {

  public enum Phase {
    ABSENT,
    RECEIVING,
    COMPLETE,
    FAILED
  }

  public static BlobState absent(String digest) {
    return new BlobState(digest, Phase.ABSENT, 0, null, null, null);
  }
}
