package io.dockmaster.admission;

import java.util.Locale;

/** How an admission request ended; the {@code verdict} label of the request counter. */
public enum Verdict {
  /** Admitted with nothing to say (Audit-only violations included). */
  ALLOWED,
  /** Refused because of an Enforce violation. */
  DENIED,
  /** Admitted with warnings from Warn violations. */
  WARNED,
  /** Refused because the review itself failed: timeout, overload, bad input, internal error. */
  ERROR;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
