package io.dockmaster.cache;

import java.time.Duration;

/**
 * A peer relaying a blob that its writer stopped keeping pace with; it goes on reading at its own
 * pace, and is kept pace with again once it catches up.
 *
 * @param reader who reads, as the stream was opened for (a peer's node name)
 * @param behindBytes how far behind the write it was when let go
 * @param heldFor how long it had held the writer back
 * @param still whether it had stopped moving; else it kept moving but never caught up
 */
public record RelayRelease(String reader, long behindBytes, Duration heldFor, boolean still) {}
