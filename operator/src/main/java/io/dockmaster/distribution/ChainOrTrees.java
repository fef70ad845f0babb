package io.dockmaster.distribution;

/**
 * A chain for up to {@link #MAX_CHAIN_NODES} nodes, trees for more. A chain keeps one stream on
 * every link, which is what gets a few nodes closest to their links' rate ({@link ChainPlanner});
 * each node of it adds a hop's lag for the last, while trees stay about log N deep, and a mirror's
 * many nodes are better served by {@link MultiTreePlanner}.
 */
public final class ChainOrTrees implements DistributionPlanner {

  /** Up to this many nodes of one platform group go in a chain. */
  public static final int MAX_CHAIN_NODES = 32;

  private final DistributionPlanner chain = new ChainPlanner();
  private final DistributionPlanner trees = new MultiTreePlanner();

  @Override
  public Plan plan(PlanRequest request) {
    return chains(request.nodes().size()) ? chain.plan(request) : trees.plan(request);
  }

  @Override
  public boolean chains(int nodes) {
    return nodes <= MAX_CHAIN_NODES;
  }
}
