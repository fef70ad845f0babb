package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Either the upstream registry ({@code upstream} set) or a peer agent ({@code node} and {@code
 * endpoint} set).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TransferSource(String node, String endpoint, UpstreamAccess upstream) {

  public TransferSource {
    boolean peer = node != null && endpoint != null;
    if (peer == (upstream != null)) {
      throw new IllegalArgumentException(
          "a transfer source is either upstream (set upstream) or a peer (set node and endpoint),"
              + " not both or neither");
    }
  }

  public static TransferSource upstream(UpstreamAccess access) {
    return new TransferSource(null, null, access);
  }

  public static TransferSource peer(String node, String endpoint) {
    return new TransferSource(node, endpoint, null);
  }

  // Not isUpstream(): Jackson would take it for the getter of "upstream" and drop that property.
  public boolean fromUpstream() {
    return upstream != null;
  }

  /** How reports and status name this source: {@code upstream} or {@code peer/<node>}. */
  public String label() {
    return fromUpstream() ? UPSTREAM_LABEL : PEER_LABEL_PREFIX + node;
  }

  public static final String UPSTREAM_LABEL = "upstream";
  public static final String PEER_LABEL_PREFIX = "peer/";
}
