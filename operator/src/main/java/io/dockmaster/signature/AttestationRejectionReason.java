package io.dockmaster.signature;

/** Why an attestation found for an image does not count, coarse enough to act on. */
public enum AttestationRejectionReason {
  /** The envelope has no signature, or one that is not base64 or of an impossible length. */
  BAD_SIGNATURE("malformed signature"),
  /** Not a DSSE envelope: not JSON, or a required field is missing or of the wrong type. */
  UNPARSEABLE_ENVELOPE("unparseable envelope"),
  /** The envelope carries something other than an in-toto statement. */
  WRONG_PAYLOAD_TYPE("not an in-toto statement"),
  /** The in-toto statement is not JSON or lacks {@code _type}, {@code predicateType}, subjects. */
  UNPARSEABLE_STATEMENT("unparseable statement"),
  /** No subject of the statement is the image: copied from another image, or a tag moved. */
  SUBJECT_MISMATCH("attestation for another image"),
  /** Well-formed and about this image, but none of the trusted keys signed it. */
  NO_KEY_MATCHED("no trusted key matched"),
  /** Larger than {@link AttestationLimits#maxEnvelopeBytes()}; it was not read. */
  ENVELOPE_TOO_LARGE("envelope too large"),
  /** The envelope blob is missing from the registry or does not match its digest. */
  ENVELOPE_UNAVAILABLE("envelope unavailable"),
  /** Something stored where attestations are expected that is not one (other media type). */
  NOT_AN_ATTESTATION("not an attestation"),
  /** Beyond the count or total size limits of {@link AttestationLimits}; not looked at. */
  OVER_LIMIT("over the attestation limit");

  private final String label;

  AttestationRejectionReason(String label) {
    this.label = label;
  }

  /** A few words for messages, e.g. "attestation for another image". */
  public String label() {
    return label;
  }
}
