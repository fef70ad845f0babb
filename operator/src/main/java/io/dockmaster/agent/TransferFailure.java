package io.dockmaster.agent;

import io.dockmaster.cache.DigestMismatchException;
import io.dockmaster.control.ReceivedPiece;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.status.ErrorMessages;
import java.time.Duration;
import java.util.List;

/**
 * Why a transfer failed, with a stable reason code the operator reports and plans around (a source
 * that sent corrupt bytes is not asked again for that blob).
 */
final class TransferFailure extends Exception {

  enum Reason {
    /** The bytes did not hash to the digest: the source is corrupt or lying. */
    DigestMismatch,
    /** The source sent more or fewer bytes than the blob's size. */
    SizeMismatch,
    /** Connection refused or reset, TLS failure, or the source stopped sending. */
    SourceUnreachable,
    /** The source does not have the blob. */
    SourceMissing,
    /** The upstream registry refused the credentials or access. */
    UpstreamUnauthorized,
    /** Any other upstream registry error. */
    UpstreamFailed,
    /** The cache cannot make room (pinned blobs fill it). */
    CacheFull,
    /** The agent is shutting down. */
    Interrupted
  }

  private final Reason reason;
  private final List<String> pieceSources;
  private final List<ReceivedPiece> receivedPieces;

  TransferFailure(Reason reason, String message) {
    this(reason, message, List.of(), List.of());
  }

  /**
   * @param pieceSources for a blob assembled from pieces that did not verify: every source that
   *     wrote bytes of it
   * @param receivedPieces of that blob: what each piece held, and from whom
   */
  TransferFailure(
      Reason reason,
      String message,
      List<String> pieceSources,
      List<ReceivedPiece> receivedPieces) {
    super(message);
    this.reason = reason;
    this.pieceSources = List.copyOf(pieceSources);
    this.receivedPieces = List.copyOf(receivedPieces);
  }

  TransferFailure(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.pieceSources = List.of();
    this.receivedPieces = List.of();
  }

  Reason reason() {
    return reason;
  }

  /** Empty unless the failure is of a blob assembled from pieces. */
  List<String> pieceSources() {
    return pieceSources;
  }

  /** Empty unless the failure is of a blob assembled from pieces. */
  List<ReceivedPiece> receivedPieces() {
    return receivedPieces;
  }

  /**
   * What a source's stream breaking off means: a stall the watchdog cut ({@code stalledFor} set),
   * bytes that hashed wrong, an upstream error, or a broken connection.
   */
  static TransferFailure ofStream(Exception e, Duration stalledFor, String source, Digest digest) {
    if (stalledFor != null) {
      return new TransferFailure(
          Reason.SourceUnreachable, source + " sent nothing for " + stalledFor.toSeconds() + "s");
    }
    if (e instanceof RegistryException registry) {
      Reason reason =
          registry.kind() == RegistryException.Kind.DIGEST_MISMATCH
              ? Reason.DigestMismatch
              : Reason.UpstreamFailed;
      return new TransferFailure(reason, ErrorMessages.of(registry), registry);
    }
    if (e instanceof DigestMismatchException mismatch) {
      return new TransferFailure(
          Reason.DigestMismatch,
          "bytes from "
              + source
              + " hashed to "
              + mismatch.actual()
              + ", not "
              + digest
              + "; discarded");
    }
    return new TransferFailure(
        Reason.SourceUnreachable, source + " broke off: " + ErrorMessages.of(e), e);
  }
}
