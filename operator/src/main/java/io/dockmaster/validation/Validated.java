package io.dockmaster.validation;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Either a value that passed validation or the complete list of what is wrong with the spec it was
 * built from.
 */
public record Validated<T>(Optional<T> value, List<FieldError> errors) {

  public static <T> Validated<T> valid(T value) {
    return new Validated<>(Optional.of(value), List.of());
  }

  public static <T> Validated<T> invalid(List<FieldError> errors) {
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("an invalid result needs at least one error");
    }
    return new Validated<>(Optional.empty(), List.copyOf(errors));
  }

  public boolean isValid() {
    return errors.isEmpty();
  }

  /** All errors in one line, the way they appear in a Ready condition and in Events. */
  public String describeErrors() {
    return errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
  }
}
