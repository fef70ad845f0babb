package io.dockmaster.peering;

import java.security.PublicKey;
import java.time.Duration;

/** What {@link CsrReview} made of one agent CertificateSigningRequest. */
sealed interface CsrDecision {

  /** Issue a certificate for this agent and key, valid this long. */
  record Approve(PeerName agent, PublicKey key, Duration validity) implements CsrDecision {}

  /**
   * @param message every problem found, for the Denied condition the requester reads
   */
  record Deny(String message) implements CsrDecision {}
}
