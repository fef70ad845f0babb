package io.dockmaster.distribution;

/** Decides which node fetches which blob from where. Pure: no I/O, same request, same plan. */
public interface DistributionPlanner {

  Plan plan(PlanRequest request);
}
