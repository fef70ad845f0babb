package io.dockmaster.admission;

/**
 * A request admission cannot judge, with a message fit for the person running kubectl; admission
 * denies it, since failing open would let an unreviewed image in.
 */
public final class UnreviewableRequestException extends RuntimeException {

  private final boolean transientFailure;

  /**
   * @param transientFailure retrying may succeed (e.g. the API server was briefly unreachable)
   */
  public UnreviewableRequestException(String message, boolean transientFailure, Throwable cause) {
    super(message, cause);
    this.transientFailure = transientFailure;
  }

  public boolean transientFailure() {
    return transientFailure;
  }
}
