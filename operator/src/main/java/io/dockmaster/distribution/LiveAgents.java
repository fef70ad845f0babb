package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;
import java.util.Optional;

/** The agents alive now; the coordinator's only view of the cluster. */
public interface LiveAgents {

  /** Live agents on nodes the selector picks (every live agent for an empty selector). */
  List<AgentLease> live(Optional<LabelSelector> selector);
}
