package io.dockmaster.control;

/**
 * What an agent found when it re-hashed one of its complete blobs (see {@link
 * ControlPaths#VERIFICATIONS}).
 */
public record BlobCheck(String digest, Outcome outcome) {

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
