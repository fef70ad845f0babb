package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The agents that are alive now, from their Leases (watched, so a round costs no API call), and
 * which of them an ImageMirror's nodeSelector picks (matched against the Node objects' labels).
 */
public class AgentDirectory implements LiveAgents, AutoCloseable {

  private final KubernetesClient client;
  private final Clock clock;
  private final SharedIndexInformer<Lease> leases;

  /**
   * Rounds follow agents' changes, several a second: the Nodes a selector picks are listed at most
   * once per {@link #SELECTION_TTL} per selector, not once per round.
   */
  private static final Duration SELECTION_TTL = Duration.ofSeconds(1);

  private record Selection(Set<String> nodes, Instant listed) {}

  private final Map<LabelSelector, Selection> selections = new ConcurrentHashMap<>();

  public AgentDirectory(KubernetesClient client, String namespace, Clock clock) {
    this.client = client;
    this.clock = clock;
    this.leases =
        client
            .leases()
            .inNamespace(namespace)
            .withLabel(AgentLease.COMPONENT_LABEL, AgentLease.COMPONENT)
            .inform();
  }

  @Override
  public List<AgentLease> live(Optional<LabelSelector> selector) {
    List<AgentLease> live =
        leases.getStore().list().stream()
            .map(AgentLease::from)
            .flatMap(Optional::stream)
            .filter(agent -> agent.isLive(clock.instant()))
            .sorted(Comparator.comparing(AgentLease::node))
            .toList();
    if (selector.isEmpty() || isEmpty(selector.get())) {
      return live;
    }
    Set<String> selected = selected(selector.get());
    return live.stream().filter(agent -> selected.contains(agent.node())).toList();
  }

  private Set<String> selected(LabelSelector selector) {
    Instant now = clock.instant();
    Selection cached = selections.get(selector);
    if (cached != null && now.isBefore(cached.listed().plus(SELECTION_TTL))) {
      return cached.nodes();
    }
    Set<String> nodes =
        client.nodes().withLabelSelector(selector).list().getItems().stream()
            .map(Node::getMetadata)
            .map(m -> m.getName())
            .collect(Collectors.toUnmodifiableSet());
    selections.put(selector, new Selection(nodes, now));
    return nodes;
  }

  private static boolean isEmpty(LabelSelector selector) {
    return (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
        && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
  }

  @Override
  public void close() {
    leases.close();
  }
}
