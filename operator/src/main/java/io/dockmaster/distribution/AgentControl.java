package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.PinSet;
import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.control.TransferOrder;
import java.io.IOException;
import java.util.List;

/** The operator's calls to one agent over the control channel. */
public interface AgentControl {

  AgentReport inventory(AgentLease agent, List<String> digests) throws IOException;

  AgentReport order(AgentLease agent, List<TransferOrder> orders) throws IOException;

  void pin(AgentLease agent, String owner, PinSet pins) throws IOException;

  void unpin(AgentLease agent, String owner) throws IOException;

  /**
   * Asks the agent to re-hash these complete blobs and drop those that do not match; returns when
   * it has checked them all.
   */
  void verify(AgentLease agent, List<String> digests) throws IOException;

  void configureRuntime(AgentLease agent, RuntimeMirrors mirrors) throws IOException;
}
