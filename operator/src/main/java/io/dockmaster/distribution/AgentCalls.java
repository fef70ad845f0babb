package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.TransferOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Calls many agents at once on a bounded pool: a round's cost is the slowest agent, not the sum,
 * and one agent that hangs costs its timeout, not the round.
 */
final class AgentCalls {

  @FunctionalInterface
  interface Call<T> {
    T apply(AgentLease agent) throws Exception;
  }

  private final AgentControl control;
  private final ExecutorService pool;
  private final ExecutorService background;

  /**
   * @param pool for the calls a round waits for
   * @param background for calls that may take minutes (an agent re-hashing blobs): never on {@code
   *     pool}, so they cannot starve the rounds
   */
  AgentCalls(AgentControl control, ExecutorService pool, ExecutorService background) {
    this.control = control;
    this.pool = pool;
    this.background = background;
  }

  AgentControl control() {
    return control;
  }

  /** Results by node for the agents that answered; {@code onError} hears about the others. */
  <T> Map<String, T> forEach(
      Collection<AgentLease> agents, Call<T> call, BiConsumer<AgentLease, Exception> onError) {
    Map<String, T> results = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (AgentLease agent : agents) {
      pending.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  T result = call.apply(agent);
                  if (result != null) {
                    results.put(agent.node(), result);
                  }
                } catch (Exception e) {
                  onError.accept(agent, e);
                }
              },
              pool));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    return results;
  }

  /** Calls one agent without waiting for it, off the rounds' pool: for calls that may take long. */
  <T> void inBackground(
      AgentLease agent,
      Call<T> call,
      Consumer<T> onSuccess,
      BiConsumer<AgentLease, Exception> onError) {
    background.execute(
        () -> {
          try {
            onSuccess.accept(call.apply(agent));
          } catch (Exception e) {
            onError.accept(agent, e);
          }
        });
  }

  /**
   * Sends a round's orders, each node's call of a wave once the calls it waits for answered (see
   * {@link RoundOrders}): a node is told to fetch a blob from a peer only after that peer has been
   * told where to fetch it, so it has bytes to stream, or soon will. A call that failed counts as
   * answered: its dependents are sent anyway, as the peer may still serve, and a missing source is
   * re-planned from the receivers' reports.
   *
   * @param onAnswer hears each agent's report in answer to its orders
   */
  void sendInWaves(
      RoundOrders orders,
      Map<String, AgentLease> agents,
      BiConsumer<AgentLease, AgentReport> onAnswer,
      BiConsumer<AgentLease, Exception> onError) {
    Map<String, CompletableFuture<Void>> calls = new HashMap<>();
    // A node's calls go one after another, so its answers arrive in the order of its orders.
    Map<String, CompletableFuture<Void>> lastCallTo = new HashMap<>();
    for (Map.Entry<Integer, Map<String, List<TransferOrder>>> wave : orders.waves().entrySet()) {
      for (Map.Entry<String, List<TransferOrder>> byNode : wave.getValue().entrySet()) {
        String node = byNode.getKey();
        CompletableFuture<?>[] waitFor =
            Stream.concat(
                    orders.after(wave.getKey(), node).stream()
                        .map(source -> calls.get(callKey(wave.getKey() - 1, source))),
                    Stream.of(lastCallTo.get(node)))
                .filter(Objects::nonNull)
                .toArray(CompletableFuture[]::new);
        AgentLease agent = agents.get(node);
        List<TransferOrder> nodeOrders = byNode.getValue();
        CompletableFuture<Void> call =
            CompletableFuture.allOf(waitFor)
                .handleAsync(
                    (answered, failed) -> send(agent, nodeOrders, onAnswer, onError), pool);
        calls.put(callKey(wave.getKey(), node), call);
        lastCallTo.put(node, call);
      }
    }
    CompletableFuture.allOf(calls.values().toArray(CompletableFuture[]::new)).join();
  }

  private Void send(
      AgentLease agent,
      List<TransferOrder> orders,
      BiConsumer<AgentLease, AgentReport> onAnswer,
      BiConsumer<AgentLease, Exception> onError) {
    try {
      onAnswer.accept(agent, control.order(agent, orders));
    } catch (Exception e) {
      onError.accept(agent, e);
    }
    return null;
  }

  private static String callKey(int wave, String node) {
    return wave + " " + node;
  }
}
