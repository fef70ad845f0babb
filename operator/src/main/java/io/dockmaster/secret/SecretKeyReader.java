package io.dockmaster.secret;

import io.dockmaster.api.v1alpha1.SecretKeyReference;

/** Reads one key of a Secret; an interface so validation stays testable without an API server. */
public interface SecretKeyReader {

  /**
   * @return the decoded value
   * @throws SecretLookupException when the Secret or the key is missing, saying which
   */
  String read(SecretKeyReference reference);

  final class SecretLookupException extends RuntimeException {

    /** Which part of the reference is missing, so callers can word the fix for their field. */
    public enum Missing {
      SECRET,
      KEY
    }

    private final Missing missing;

    public SecretLookupException(Missing missing, String message) {
      super(message);
      this.missing = missing;
    }

    public Missing missing() {
      return missing;
    }
  }
}
