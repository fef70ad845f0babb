package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What an agent found when it re-hashed one of its complete blobs (see {@link
 * ControlPaths#VERIFICATIONS}).
 *
 * @param ranges for an intact copy, the digests of the ranges of it the request named; null from
 *     agents that do not hash ranges, and when none were asked for
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BlobCheck(String digest, Outcome outcome, List<RangeDigest> ranges) {

  public BlobCheck {
    ranges = ranges == null ? null : List.copyOf(ranges);
  }

  /** A check that names no ranges. */
  public BlobCheck(String digest, Outcome outcome) {
    this(digest, outcome, null);
  }

  public enum Outcome {
    /** The copy hashes to its digest and stays. */
    INTACT,
    /** It did not; the agent dropped it and will fetch it again when told to. */
    DISCARDED,
    /** The agent holds no complete copy (never had one, or evicted it since). */
    ABSENT,
    /** The file could not be read; the copy stays, since unreadable is not proven wrong. */
    UNREADABLE
  }
}
