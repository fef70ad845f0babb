package io.dockmaster.signature;

/**
 * How much signature material one admission decision may read, so a registry that serves thousands
 * of signature layers or huge payloads cannot exhaust memory or time.
 *
 * @param maxSignatures signatures considered per image; the rest are reported, not read
 * @param maxPayloadBytes the largest signed payload read; cosign's are a few hundred bytes
 */
public record SignatureLimits(int maxSignatures, int maxPayloadBytes) {

  public static final int DEFAULT_MAX_SIGNATURES = 32;
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

  public SignatureLimits {
    if (maxSignatures <= 0) {
      throw new IllegalArgumentException("maxSignatures must be positive: " + maxSignatures);
    }
    if (maxPayloadBytes <= 0) {
      throw new IllegalArgumentException("maxPayloadBytes must be positive: " + maxPayloadBytes);
    }
  }

  public static SignatureLimits defaults() {
    return new SignatureLimits(DEFAULT_MAX_SIGNATURES, DEFAULT_MAX_PAYLOAD_BYTES);
  }
}
