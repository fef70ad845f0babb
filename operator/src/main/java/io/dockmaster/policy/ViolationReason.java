package io.dockmaster.policy;

/**
 * Stable codes for why an image breaks a policy. They appear in admission messages, audit status
 * and metrics, so existing names never change meaning.
 */
public enum ViolationReason {
  INVALID_REFERENCE,
  REGISTRY_NOT_ALLOWED,
  DIGEST_REQUIRED,
  NOT_SIGNED,
  SIGNATURE_THRESHOLD_NOT_MET,
  ATTESTATION_MISSING,
  RUNS_AS_ROOT,
  USER_NOT_NUMERIC,
  PRIVILEGE_ESCALATION_ALLOWED,
  PLATFORM_MISSING,
  IMAGE_UNAVAILABLE
}
