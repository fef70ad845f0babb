package io.dockmaster.webhooktls;

import java.time.Instant;
import java.util.List;

/**
 * What to change in the webhook certificates now, and when to look again if nothing.
 *
 * @param steps in the order they apply; empty when everything is current
 * @param nextCheck when a step falls due next, if nothing changes meanwhile
 * @param reason why, for the log
 */
public record RotationPlan(List<Step> steps, Instant nextCheck, String reason) {

  public enum Step {
    /** A new CA replaces the current one outright: there was none, or it expired. */
    CREATE_AUTHORITY,
    /** A new CA joins the trust bundle, to sign once every API server trusts it. */
    ADD_NEXT_AUTHORITY,
    /** The next CA was seen in the published caBundle: its propagation time starts now. */
    NOTE_NEXT_PUBLISHED,
    /** The published caBundle lost the next CA: its propagation time starts again once back. */
    FORGET_NEXT_PUBLISHED,
    /** The next CA, published long enough, becomes the one that signs. */
    PROMOTE_NEXT_AUTHORITY,
    /** A new serving certificate from the signing CA. */
    ISSUE_SERVING,
    /** Expired CAs leave the trust bundle. */
    PRUNE_TRUST
  }

  public RotationPlan {
    steps = List.copyOf(steps);
  }

  public boolean changes() {
    return !steps.isEmpty();
  }
}
