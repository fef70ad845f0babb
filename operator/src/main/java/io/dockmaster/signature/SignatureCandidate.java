package io.dockmaster.signature;

import java.util.Arrays;
import java.util.Objects;

/**
 * One signature as found in a registry, not yet trusted: the signed payload bytes exactly as stored
 * and the signature over them, as the base64 text the format carries.
 *
 * @param origin where it was found, for people, e.g. {@code cosign signature 2 (sha256:0123…)}
 * @param payload the bytes the signature is over; already checked against their content digest
 * @param signature base64 of the signature, or {@code null} if the format's field was missing
 */
public record SignatureCandidate(String origin, byte[] payload, String signature) {

  public SignatureCandidate {
    Objects.requireNonNull(origin, "origin");
    payload = Objects.requireNonNull(payload, "payload").clone();
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignatureCandidate other
        && origin.equals(other.origin)
        && Arrays.equals(payload, other.payload)
        && Objects.equals(signature, other.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(origin, Arrays.hashCode(payload), signature);
  }

  @Override
  public String toString() {
    return "SignatureCandidate{" + origin + ", " + payload.length + " payload bytes}";
  }
}
