package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides which authorities signed an image digest, from signatures a {@link SignatureSource}
 * found. Pure: no I/O, and every input, however hostile, ends in a verdict rather than an
 * exception.
 *
 * <p>A candidate counts for an authority when its payload is a cosign simple-signing document whose
 * {@code docker-manifest-digest} is the digest being decided, and the authority's key verifies the
 * signature over the payload bytes exactly as stored (never a re-serialization).
 */
public final class SignatureCheck {

  /** Longer than any signature of a supported key (RSA 16384 is 2048 bytes, base64 2732). */
  private static final int MAX_SIGNATURE_CHARS = 4096;

  private final SignatureLimits limits;

  public SignatureCheck(SignatureLimits limits) {
    this.limits = Objects.requireNonNull(limits);
  }

  /**
   * @param expected the digest of the image being decided on
   * @param authorities trusted keys by the name policies and messages use for them
   */
  public SignatureVerdict check(
      Digest expected, FoundSignatures found, Map<String, TrustedKey> authorities) {
    Objects.requireNonNull(expected, "expected");
    Set<String> verified = new TreeSet<>();
    List<Rejection> rejections = new ArrayList<>(found.unreadable());
    List<SignatureCandidate> candidates = found.candidates();
    int considered = Math.min(candidates.size(), limits.maxSignatures());
    for (SignatureCandidate candidate : candidates.subList(0, considered)) {
      Set<String> signers = new LinkedHashSet<>();
      Rejection rejection = evaluate(expected, candidate, authorities, signers);
      if (rejection == null) {
        verified.addAll(signers);
      } else {
        rejections.add(rejection);
      }
    }
    if (candidates.size() > considered) {
      int ignored = candidates.size() - considered;
      rejections.add(
          new Rejection(
              ignored + " more signatures",
              RejectionReason.OVER_LIMIT,
              "only the first " + limits.maxSignatures() + " signatures of an image are checked"));
    }
    int total = candidates.size() + found.unreadable().size();
    return new SignatureVerdict(expected, verified, rejections, total);
  }

  /** {@code null} if the candidate counts, with its signers added to {@code signers}. */
  private Rejection evaluate(
      Digest expected,
      SignatureCandidate candidate,
      Map<String, TrustedKey> authorities,
      Set<String> signers) {
    String origin = candidate.origin();
    byte[] payload = candidate.payload();
    if (payload.length > limits.maxPayloadBytes()) {
      return new Rejection(
          origin,
          RejectionReason.PAYLOAD_TOO_LARGE,
          payload.length + " bytes, over the limit of " + limits.maxPayloadBytes());
    }
    byte[] signature;
    try {
      signature = decode(candidate.signature());
    } catch (InvalidSignatureException e) {
      return new Rejection(origin, RejectionReason.BAD_SIGNATURE, e.getMessage());
    }
    // Verify before reading the payload, so a rejection can say whether a trusted key stands
    // behind a payload that turns out to be for another image.
    authorities.forEach(
        (name, key) -> {
          if (SignatureSchemes.verifies(key.key(), payload, signature)) {
            signers.add(name);
          }
        });
    SimpleSigningPayload parsed;
    try {
      parsed = SimpleSigningPayload.parse(payload);
    } catch (InvalidPayloadException e) {
      return new Rejection(origin, RejectionReason.UNPARSEABLE_PAYLOAD, e.getMessage());
    }
    if (!parsed.manifestDigest().equals(expected)) {
      return new Rejection(
          origin,
          RejectionReason.DIGEST_MISMATCH,
          "it signs "
              + parsed.manifestDigest().shortForm()
              + signedBy(signers)
              + ", not "
              + expected.shortForm()
              + "; copied from another image, or the tag moved");
    }
    if (signers.isEmpty()) {
      return new Rejection(
          origin,
          RejectionReason.NO_KEY_MATCHED,
          authorities.isEmpty()
              ? "no keys are trusted"
              : "none of " + new TreeSet<>(authorities.keySet()) + " verifies it");
    }
    return null;
  }

  private static String signedBy(Set<String> signers) {
    return signers.isEmpty() ? "" : " (validly, by " + String.join(", ", signers) + ")";
  }

  private static byte[] decode(String base64) throws InvalidSignatureException {
    if (base64 == null || base64.isEmpty()) {
      throw new InvalidSignatureException("no signature");
    }
    if (base64.length() > MAX_SIGNATURE_CHARS) {
      throw new InvalidSignatureException(
          base64.length() + " characters, longer than any supported signature");
    }
    byte[] signature;
    try {
      // Go's decoder, which cosign uses, skips line breaks; Java's strict one does not.
      signature = Base64.getDecoder().decode(base64.replace("\r", "").replace("\n", ""));
    } catch (IllegalArgumentException e) {
      throw new InvalidSignatureException("not base64");
    }
    if (signature.length == 0) {
      throw new InvalidSignatureException("empty signature");
    }
    return signature;
  }

  private static final class InvalidSignatureException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidSignatureException(String message) {
      super(message);
    }
  }
}
