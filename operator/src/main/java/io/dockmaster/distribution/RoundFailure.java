package io.dockmaster.distribution;

import java.time.Instant;

/**
 * A mirror's distribution rounds are failing: no transfers are ordered until one succeeds again.
 * Nodes keep what they hold; the status and an Event say so, since otherwise only the operator's
 * log would.
 *
 * @param since when the first round of this streak failed
 * @param inARow rounds failed one after another since then
 * @param cause the last failure, one line, as {@code Type: message}
 */
public record RoundFailure(Instant since, int inARow, String cause) {

  RoundFailure again(String latestCause) {
    return new RoundFailure(since, inARow + 1, latestCause);
  }
}
