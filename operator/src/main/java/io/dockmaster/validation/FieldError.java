package io.dockmaster.validation;

/**
 * One thing wrong with a spec, located by its JSON path so the message reads like the API server's
 * own validation errors: {@code spec.signature.authorities[1].key.pem: is not a readable PEM key}.
 */
public record FieldError(String path, String message) {
  @Override
  public String toString() {
    return path + ": " + message;
  }
}
