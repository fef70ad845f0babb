package io.dockmaster.distribution;

/** Decides which node fetches which blob from where. Pure: no I/O, same request, same plan. */
public interface DistributionPlanner {

  Plan plan(PlanRequest request);

  /**
   * Whether plans for this many nodes are chains ({@link ChainPlanner}). Relays of a chain are not
   * judged against each other's rates: every node of it moves at the chain's pace, so a node slower
   * than the rest shows in its intake of all its blobs instead.
   */
  default boolean chains(int nodes) {
    return false;
  }
}
