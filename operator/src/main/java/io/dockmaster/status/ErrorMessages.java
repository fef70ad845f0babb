package io.dockmaster.status;

/** Exceptions as one line for status and events: the message, never a stack trace. */
public final class ErrorMessages {

  private ErrorMessages() {}

  /** The exception's own message, or for one without, what kind of failure it was. */
  public static String of(Throwable e) {
    String message = e.getMessage();
    if (message != null && !message.isBlank()) {
      return message.lines().findFirst().orElse(message);
    }
    return "unexpected "
        + e.getClass()
            .getSimpleName()
            .replaceAll("(Exception|Error)$", "")
            .toLowerCase(java.util.Locale.ROOT)
        + " failure";
  }
}
