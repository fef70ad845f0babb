package io.dockmaster.signature;

/** Why a signature found for an image does not count, coarse enough to act on. */
public enum RejectionReason {
  /** The signature field is missing, not base64, or of an impossible length. */
  BAD_SIGNATURE("malformed signature"),
  /** The signed payload is not a cosign simple-signing document. */
  UNPARSEABLE_PAYLOAD("unparseable payload"),
  /** The payload names another image: a signature copied over, or a tag that moved. */
  DIGEST_MISMATCH("signature for another image"),
  /** Well-formed, but none of the trusted keys produced it. */
  NO_KEY_MATCHED("no trusted key matched"),
  /** The payload is larger than {@link SignatureLimits#maxPayloadBytes()}; it was not read. */
  PAYLOAD_TOO_LARGE("payload too large"),
  /** The payload blob is missing from the registry or does not match its digest. */
  PAYLOAD_UNAVAILABLE("payload unavailable"),
  /** Something stored where signatures are expected that is not one (other media type). */
  NOT_A_SIGNATURE("not a signature"),
  /** Beyond {@link SignatureLimits#maxSignatures()}; not looked at. */
  OVER_LIMIT("over the signature limit");

  private final String label;

  RejectionReason(String label) {
    this.label = label;
  }

  /** A few words for messages, e.g. "signature for another image". */
  public String label() {
    return label;
  }
}
