package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.control.AgentLease;
import io.dockmaster.testing.OperatorNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live agents from real Leases, and the ones an ImageMirror's nodeSelector picks from real Nodes.
 */
@EnableKubeAPIServer
class AgentDirectoryIT {

  private static final String NS = OperatorNamespace.NAME;

  static KubernetesClient client;
  static AgentDirectory directory;

  @BeforeAll
  static void start() {
    OperatorNamespace.ensure(client);
    directory = new AgentDirectory(client, NS, Clock.systemUTC());
    Instant now = Instant.now();
    for (String node : List.of("gpu-1", "gpu-2", "cpu-1")) {
      client
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(node)
                  .withLabels(Map.of("pool", node.substring(0, 3)))
                  .endMetadata()
                  .build())
          .create();
      client.resource(lease(node, now, now).toLease(NS)).create();
    }
    // An agent whose Lease was last renewed long ago: its node is gone or it stopped.
    client
        .resource(lease("stale", now.minusSeconds(600), now.minusSeconds(600)).toLease(NS))
        .create();
  }

  private static AgentLease lease(String node, Instant started, Instant renewed) {
    return new AgentLease(
        node, "https://10.0.0.1:30020", "linux/amd64", 0, 0, started, renewed, 30);
  }

  @AfterAll
  static void stop() {
    if (directory != null) {
      directory.close();
    }
  }

  @Test
  void liveAgentsAreThoseWithAFreshLeaseAndASelectorPicksByNodeLabels() {
    await()
        .untilAsserted(
            () ->
                assertThat(directory.live(Optional.empty()))
                    .extracting(AgentLease::node)
                    .containsExactly("cpu-1", "gpu-1", "gpu-2"));

    var gpus = new LabelSelectorBuilder().withMatchLabels(Map.of("pool", "gpu")).build();
    assertThat(directory.live(Optional.of(gpus)))
        .extracting(AgentLease::node)
        .containsExactly("gpu-1", "gpu-2");

    client
        .nodes()
        .withName("cpu-1")
        .edit(
            n ->
                new NodeBuilder(n).editMetadata().addToLabels("pool", "gpu").endMetadata().build());
    await()
        .untilAsserted(
            () ->
                assertThat(directory.live(Optional.of(gpus)))
                    .as("a relabelled node joins within the selection's lifetime")
                    .extracting(AgentLease::node)
                    .containsExactly("cpu-1", "gpu-1", "gpu-2"));
  }
}
