package io.dockmaster.distribution;

/** Chains hold to every invariant trees hold to, over the same random states and rounds. */
class ChainPlannerPropertyTest extends MultiTreePlannerPropertyTest {

  @Override
  DistributionPlanner planner() {
    return new ChainPlanner();
  }
}
