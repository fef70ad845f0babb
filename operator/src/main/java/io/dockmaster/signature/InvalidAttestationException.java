package io.dockmaster.signature;

/** An envelope or statement that is not usable as an attestation; the message says why. */
public final class InvalidAttestationException extends Exception {

  private static final long serialVersionUID = 1L;

  public InvalidAttestationException(String message) {
    super(message);
  }
}
