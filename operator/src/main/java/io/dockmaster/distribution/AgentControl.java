package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.control.BlobVerifications;
import io.dockmaster.control.PinSet;
import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.control.TransferOrder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The operator's calls to one agent over the control channel. */
public interface AgentControl {

  AgentReport inventory(AgentLease agent, List<String> digests) throws IOException;

  /**
   * The inventory once the agent's {@link AgentReport#version()} is past {@code afterVersion}, or
   * after {@code wait} without a change; completes without holding a thread while it waits.
   */
  CompletableFuture<AgentReport> awaitInventory(
      AgentLease agent, List<String> digests, long afterVersion, Duration wait);

  AgentReport order(AgentLease agent, List<TransferOrder> orders) throws IOException;

  void pin(AgentLease agent, String owner, PinSet pins) throws IOException;

  void unpin(AgentLease agent, String owner) throws IOException;

  /**
   * Asks the agent to re-hash these complete blobs, drop those that do not match and hash the
   * ranges asked of those that do; returns what it found, once it has checked them all.
   */
  List<BlobCheck> verify(AgentLease agent, BlobVerifications request) throws IOException;

  void configureRuntime(AgentLease agent, RuntimeMirrors mirrors) throws IOException;
}
