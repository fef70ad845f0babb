package io.dockmaster.signature;

/** A signed payload that is not a usable cosign simple-signing document; the message says why. */
public final class InvalidPayloadException extends Exception {

  private static final long serialVersionUID = 1L;

  public InvalidPayloadException(String message) {
    super(message);
  }
}
