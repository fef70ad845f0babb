package io.dockmaster.agent;

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

  TransferFailure(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  TransferFailure(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  Reason reason() {
    return reason;
  }
}
