package io.dockmaster.signature;

/**
 * A key that cannot serve as a trust anchor. The message completes a sentence that starts with the
 * key's location, e.g. {@code spec.signature.authorities[0].key.pem } + message.
 */
public final class InvalidPublicKeyException extends RuntimeException {
  public InvalidPublicKeyException(String message) {
    super(message);
  }
}
