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

  /**
   * Whether this failure goes to the operator's log, after one whose cause was {@code
   * previousCause} (null at a streak's start). A streak fails a round every second or so for as
   * long as it lasts, so past its first failure the log thins out to 2, 4, 8, ... in a row, except
   * when the error changes; the metric counts every round.
   */
  boolean worthLogging(String previousCause) {
    return Integer.bitCount(inARow) == 1 || !cause.equals(previousCause);
  }

  /** How many in a row the next failure logged for the same error will be. */
  int nextLogged() {
    return Integer.highestOneBit(inARow) * 2;
  }
}
