package io.dockmaster.admission;

import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.policy.Violation;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns violations into the answer {@code kubectl apply} prints: Enforce denies with one line per
 * violation under a summary, Warn admits with one warning each, Audit admits silently.
 */
public final class AnswerBuilder {

  /**
   * The API server cuts single warnings to 256 runes once a response's warnings pass 4096 runes in
   * total (k8s.io/apiserver filters/warning.go), and drops what follows; Dockmaster keeps under
   * both so its own cut ends readably and leaves room for warnings from other admission plugins.
   */
  static final int MAX_WARNING_RUNES = 256;

  static final int MAX_TOTAL_WARNING_RUNES = 3072;

  /** Past this many lines a denial stops being readable in a terminal. */
  static final int MAX_DENIAL_LINES = 20;

  private static final String ELLIPSIS = "...";

  public AdmissionAnswer allow(String uid) {
    return new AdmissionAnswer(
        new AdmissionResponseBuilder().withUid(uid).withAllowed(true).build(),
        Verdict.ALLOWED,
        List.of());
  }

  /**
   * The answer for a reviewed pod spec.
   *
   * @param kind and {@code name} of the admitted object, for the summary line
   */
  public AdmissionAnswer fromViolations(
      String uid, String kind, String name, List<Violation> violations) {
    List<Violation> enforced = withMode(violations, PolicyMode.Enforce);
    List<String> warnings = warnings(withMode(violations, PolicyMode.Warn));
    AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(uid);
    if (!warnings.isEmpty()) {
      // Warnings ride along with a denial too, so one kubectl run shows everything to fix.
      response.withWarnings(warnings);
    }
    if (!enforced.isEmpty()) {
      return new AdmissionAnswer(
          response
              .withAllowed(false)
              .withStatus(status(403, "Forbidden", denial(kind, name, enforced)))
              .build(),
          Verdict.DENIED,
          violations);
    }
    return new AdmissionAnswer(
        response.withAllowed(true).build(),
        warnings.isEmpty() ? Verdict.ALLOWED : Verdict.WARNED,
        violations);
  }

  /**
   * A denial because the review could not be completed: admission fails closed rather than let an
   * unreviewed image in.
   *
   * @param transientFailure a timeout, overload or shutdown, worth retrying (503); otherwise an
   *     internal failure (500)
   * @param reason one line saying what went wrong and what to do
   */
  public AdmissionAnswer failClosed(
      String uid, String kind, String name, boolean transientFailure, String reason) {
    Status status =
        transientFailure
            ? status(503, "ServiceUnavailable", subject(kind, name) + ": " + oneLine(reason))
            : status(500, "InternalError", subject(kind, name) + ": " + oneLine(reason));
    return new AdmissionAnswer(
        new AdmissionResponseBuilder().withUid(uid).withAllowed(false).withStatus(status).build(),
        Verdict.ERROR,
        List.of());
  }

  /**
   * {@code Dockmaster denied this Deployment "web": 2 images break ImagePolicy rules:} and lines.
   */
  static String denial(String kind, String name, List<Violation> enforced) {
    Set<String> fields = new LinkedHashSet<>();
    enforced.forEach(v -> fields.add(v.field()));
    StringBuilder text =
        new StringBuilder(subject(kind, name))
            .append(": ")
            .append(fields.size())
            .append(fields.size() == 1 ? " image breaks" : " images break")
            .append(" ImagePolicy rules:");
    int shown = Math.min(enforced.size(), MAX_DENIAL_LINES);
    for (int i = 0; i < shown; i++) {
      text.append("\n- ").append(oneLine(enforced.get(i).message()));
    }
    if (enforced.size() > shown) {
      text.append("\n- and ").append(enforced.size() - shown).append(" more");
    }
    return text.toString();
  }

  static List<String> warnings(List<Violation> warned) {
    List<String> warnings = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < warned.size(); i++) {
      String warning = truncate(oneLine(warned.get(i).message()), MAX_WARNING_RUNES);
      int runes = warning.codePointCount(0, warning.length());
      int remaining = warned.size() - i - 1;
      // Keep room for the closing "more not shown" line unless this is the last warning.
      int reserve = remaining > 0 ? 64 : 0;
      if (total + runes + reserve > MAX_TOTAL_WARNING_RUNES) {
        warnings.add(
            (warned.size() - i)
                + " more ImagePolicy warnings not shown; fix the ones above and apply again");
        break;
      }
      warnings.add(warning);
      total += runes;
    }
    return warnings;
  }

  private static String subject(String kind, String name) {
    String what = kind == null || kind.isBlank() ? "request" : kind;
    return "Dockmaster denied this "
        + what
        + (name == null || name.isBlank() ? "" : " \"" + name + "\"");
  }

  private static List<Violation> withMode(List<Violation> violations, PolicyMode mode) {
    return violations.stream().filter(v -> v.mode() == mode).toList();
  }

  private static Status status(int code, String reason, String message) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withCode(code)
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  /** Control characters would break the line layout, and the API server drops such warnings. */
  static String oneLine(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return out.toString().strip();
  }

  static String truncate(String text, int maxRunes) {
    if (text.codePointCount(0, text.length()) <= maxRunes) {
      return text;
    }
    int end = text.offsetByCodePoints(0, maxRunes - ELLIPSIS.length());
    return text.substring(0, end).stripTrailing() + ELLIPSIS;
  }
}
