package io.dockmaster.control;

import java.util.List;

/** A batch of blobs an agent should fetch, each from the source the planner chose. */
public record TransferOrders(List<TransferOrder> transfers) {

  public TransferOrders {
    transfers = transfers == null ? List.of() : List.copyOf(transfers);
  }
}
