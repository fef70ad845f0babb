package io.dockmaster.agent;

import io.dockmaster.agent.TransferLedger.Entry;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Transfers of this node that wait behind another of its transfers (an order's {@code after}): a
 * chain's node takes in its blobs one after the other, so that each has the node's whole download
 * while it streams. They start when the one they wait for nears its end or stops, or when a peer
 * asks for their blob first.
 */
final class WaitingTransfers {

  /** An order waiting, with its ledger entry. */
  record Waiting(TransferOrder order, TransferUnit unit, Entry entry) {}

  private final TransferLedger ledger;
  private final Consumer<Waiting> start;

  /** By the key of the transfer they wait for. */
  private final Map<Digest, List<Waiting>> behind = new HashMap<>();

  WaitingTransfers(TransferLedger ledger, Consumer<Waiting> start) {
    this.ledger = ledger;
    this.start = start;
  }

  /**
   * Takes the order if it is for a transfer that waits already (the new order replaces it) or if it
   * waits behind one in flight; returns whether it took it. Otherwise the caller starts it.
   */
  synchronized boolean offer(TransferOrder order, TransferUnit unit) {
    Digest key = unit.key();
    if (reorder(key, order, unit)) {
      return true;
    }
    Digest after = order.after() == null ? null : TransferRunner.keyOfUnit(order.after());
    if (after != null && !after.equals(key) && ledger.isInFlight(after)) {
      Optional<Entry> waiting =
          ledger.beginWaiting(key, order.source().label(), order.slowReceiver());
      if (waiting.isPresent()) {
        behind
            .computeIfAbsent(after, b -> new ArrayList<>())
            .add(new Waiting(order, unit, waiting.get()));
        return true;
      }
    }
    return false;
  }

  /**
   * A new order for a transfer that still waits replaces the waiting one, source, pacing and what
   * it waits for alike; it starts at once if it waits for nothing in flight any more.
   */
  private boolean reorder(Digest key, TransferOrder order, TransferUnit unit) {
    for (Map.Entry<Digest, List<Waiting>> queue : behind.entrySet()) {
      for (Waiting waiting : queue.getValue()) {
        if (!waiting.unit().key().equals(key)) {
          continue;
        }
        queue.getValue().remove(waiting);
        ledger.switched(waiting.entry(), order.source().label(), order.slowReceiver());
        // An order that names nothing to wait behind (one sent again for a node measured slow)
        // keeps the place of the one it replaces.
        Digest after =
            order.after() == null ? queue.getKey() : TransferRunner.keyOfUnit(order.after());
        if (after != null && !after.equals(key) && ledger.isInFlight(after)) {
          behind
              .computeIfAbsent(after, b -> new ArrayList<>())
              .add(new Waiting(order, unit, waiting.entry()));
        } else {
          start.accept(new Waiting(order, unit, waiting.entry()));
        }
        return true;
      }
    }
    return false;
  }

  /** Starts the transfer of {@code key} if it still waits. */
  void startNow(Digest key) {
    Waiting found = null;
    synchronized (this) {
      for (List<Waiting> queue : behind.values()) {
        for (Waiting waiting : queue) {
          if (waiting.unit().key().equals(key)) {
            found = waiting;
          }
        }
        if (found != null) {
          queue.remove(found);
          break;
        }
      }
    }
    if (found != null) {
      start.accept(found);
    }
  }

  /**
   * Starts the transfers that waited behind {@code ended}, now that it nears its end or stopped.
   */
  void startBehind(Digest ended) {
    List<Waiting> released;
    synchronized (this) {
      released = behind.remove(ended);
    }
    if (released != null) {
      released.forEach(start);
    }
  }
}
