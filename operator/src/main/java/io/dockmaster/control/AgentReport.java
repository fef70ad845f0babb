package io.dockmaster.control;

import java.util.List;

/**
 * An agent's answer to the operator: the state of the blobs asked about, and its cumulative
 * counters since start, from which the operator derives bytes by source for a run.
 *
 * @param version moves whenever any blob's phase changes on the agent (see {@link InventoryQuery});
 *     0 from an agent that cannot wait for changes
 */
public record AgentReport(
    String node,
    List<BlobState> blobs,
    long bytesFromUpstream,
    long bytesFromPeers,
    long bytesServedToPeers,
    long cacheUsedBytes,
    long cacheCapacityBytes,
    long version) {

  public AgentReport {
    blobs = blobs == null ? List.of() : List.copyOf(blobs);
  }
}
