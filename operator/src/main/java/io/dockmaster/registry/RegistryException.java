package io.dockmaster.registry;

import java.util.Optional;

/**
 * Any failure talking to a registry. The message is one line meant for people (status conditions,
 * events, admission responses): it names the registry, the repository and the reference, and never
 * carries a Java class name or credentials.
 */
public final class RegistryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What went wrong, coarse enough to decide what to do about it. */
  public enum Kind {
    /** The registry wants credentials, or refused the ones we sent (401 after authenticating). */
    UNAUTHORIZED(false),
    /** The credentials were accepted but do not grant access (403). */
    FORBIDDEN(false),
    /** Unknown manifest, blob, tag or repository (404). */
    NOT_FOUND(false),
    /** Connection refused, DNS, TLS handshake, timeouts, or 502/503/504 after retries. */
    UNREACHABLE(true),
    /** Content did not hash to the digest it was addressed by, or had the wrong size. */
    DIGEST_MISMATCH(false),
    /** 429 after retries, or a Retry-After longer than we are willing to wait. */
    RATE_LIMITED(true),
    /** Malformed response or an unexpected status. */
    PROTOCOL(false);

    private final boolean transientFailure;

    Kind(boolean transientFailure) {
      this.transientFailure = transientFailure;
    }

    /** Whether trying again later may succeed without anything being changed. */
    public boolean isTransient() {
      return transientFailure;
    }
  }

  private final Kind kind;
  private final String registry;
  private final int status;

  RegistryException(Kind kind, String registry, int status, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.registry = registry;
    this.status = status;
  }

  /** For code that reports registry failures of its own, and for fakes in tests. */
  public RegistryException(Kind kind, String registry, String message) {
    this(kind, registry, 0, message, null);
  }

  public Kind kind() {
    return kind;
  }

  /** The registry host the failure came from. */
  public String registry() {
    return registry;
  }

  /** The HTTP status that caused the failure, if there was a response. */
  public Optional<Integer> status() {
    return status == 0 ? Optional.empty() : Optional.of(status);
  }
}
