package io.dockmaster.signature;

/**
 * How much attestation material one admission decision may read. Attestations are larger than
 * signatures (an SBOM of a big image runs to megabytes), so besides a per-envelope limit there is
 * one for all envelopes of an image together, which bounds both memory and verification time.
 *
 * @param maxAttestations envelopes considered per image; the rest are reported, not read
 * @param maxEnvelopeBytes the largest envelope read, judged by its declared size before download
 * @param maxTotalBytes all envelopes of one image together
 * @param maxSignaturesPerEnvelope signatures checked in one envelope; cosign writes one
 */
public record AttestationLimits(
    int maxAttestations, int maxEnvelopeBytes, long maxTotalBytes, int maxSignaturesPerEnvelope) {

  public static final int DEFAULT_MAX_ATTESTATIONS = 32;
  public static final int DEFAULT_MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;
  public static final long DEFAULT_MAX_TOTAL_BYTES = 16L * 1024 * 1024;
  public static final int DEFAULT_MAX_SIGNATURES_PER_ENVELOPE = 4;

  public AttestationLimits {
    positive("maxAttestations", maxAttestations);
    positive("maxEnvelopeBytes", maxEnvelopeBytes);
    positive("maxTotalBytes", maxTotalBytes);
    positive("maxSignaturesPerEnvelope", maxSignaturesPerEnvelope);
  }

  public static AttestationLimits defaults() {
    return new AttestationLimits(
        DEFAULT_MAX_ATTESTATIONS,
        DEFAULT_MAX_ENVELOPE_BYTES,
        DEFAULT_MAX_TOTAL_BYTES,
        DEFAULT_MAX_SIGNATURES_PER_ENVELOPE);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
