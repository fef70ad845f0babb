package io.dockmaster.control;

/**
 * The operator↔agent control channel: HTTPS on the agent's peer port, only for a client presenting
 * the operator's certificate. Versioned in the path so agents and operators of different releases
 * can refuse each other clearly during an upgrade.
 */
public final class ControlPaths {

  public static final String PREFIX = "/control/v1";

  /** POST {@link TransferOrders}: start fetching blobs; returns the states of those blobs. */
  public static final String TRANSFERS = PREFIX + "/transfers";

  /**
   * POST {@link InventoryQuery}: states of the named blobs, as an {@link AgentReport}; with a
   * version and a wait, held until the agent's state moves past that version.
   */
  public static final String INVENTORY = PREFIX + "/inventory";

  /** PUT {@link PinSet} to {@code PINS + "/" + owner}; DELETE releases the owner's pins. */
  public static final String PINS = PREFIX + "/pins";

  /** PUT {@link RuntimeMirrors}: registries and tags containerd pulls through this agent. */
  public static final String RUNTIME = PREFIX + "/runtime";

  /**
   * POST {@link BlobVerifications}: re-hash these complete blobs and drop those that do not match;
   * answers {@link BlobChecks} when every check is done (a dropped blob then shows as absent in
   * inventories).
   */
  public static final String VERIFICATIONS = PREFIX + "/verifications";

  private ControlPaths() {}
}
