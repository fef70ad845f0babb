package io.dockmaster.registry;

/** An image reference that does not follow the distribution reference grammar. */
public final class InvalidReferenceException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String reference;

  InvalidReferenceException(String reference, String reason) {
    super("\"" + reference + "\" is not a valid image reference: " + reason);
    this.reference = reference;
  }

  /** The reference exactly as it was given. */
  public String reference() {
    return reference;
  }
}
