package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The agents that are alive now, from their Leases (watched, so a round costs no API call), and
 * which of them an ImageMirror's nodeSelector picks (matched against the Node objects' labels).
 */
public class AgentDirectory implements AutoCloseable {

  private final KubernetesClient client;
  private final Clock clock;
  private final SharedIndexInformer<Lease> leases;

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

  /** Live agents on nodes the selector picks (every live agent for an empty selector). */
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
    Set<String> selected =
        client.nodes().withLabelSelector(selector.get()).list().getItems().stream()
            .map(Node::getMetadata)
            .map(m -> m.getName())
            .collect(Collectors.toSet());
    return live.stream().filter(agent -> selected.contains(agent.node())).toList();
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
