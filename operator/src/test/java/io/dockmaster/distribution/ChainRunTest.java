package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.distribution.FakeAgents.Received;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A round of a few nodes, planned as a chain, against agents kept in memory. */
class ChainRunTest {

  private static final String AMD64 = "linux/amd64";
  private static final WantedBlob SMALL = blob("small", 1000);
  private static final WantedBlob LARGE = blob("large", 3000);

  private final FakeAgents agents = new FakeAgents();
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final ExecutorService background = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    pool.shutdownNow();
    background.shutdownNow();
  }

  private static WantedBlob blob(String content, long size) {
    Digest digest = Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    return new WantedBlob(
        new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, size), "team/app");
  }

  private DistributionRun run() {
    Set<Digest> digests = Set.of(SMALL.descriptor().digest(), LARGE.descriptor().digest());
    DistributionTarget target =
        new DistributionTarget(
            "uid-1",
            "app",
            1,
            UpstreamAccess.anonymous("registry.example.com", false),
            Map.of(AMD64, List.of(SMALL, LARGE)),
            Optional.empty(),
            2,
            0,
            2_000_000,
            false,
            Map.of(),
            Map.of("registry.example.com/team/app:1", Map.of(AMD64, digests)));
    return new DistributionRun(
        target,
        new ChainOrTrees(),
        new AgentCalls(agents, pool, background),
        new DistributionMetrics(new SimpleMeterRegistry()),
        Clock.systemUTC(),
        () -> {});
  }

  @Test
  void eachNodeTakesItsBlobsOneAfterAnotherFromTheNodeBeforeIt() {
    List<AgentLease> nodes =
        List.of("n1", "n2", "n3").stream().map(n -> FakeAgents.lease(n, AMD64)).toList();

    run().round(nodes);

    Map<String, List<TransferOrder>> byNode =
        agents.orders.stream()
            .collect(
                Collectors.groupingBy(
                    Received::node, Collectors.mapping(Received::order, Collectors.toList())));
    String large = LARGE.descriptor().digest().toString();
    String small = SMALL.descriptor().digest().toString();
    assertThat(byNode.get("n1"))
        .as("the first node fetches both from the registry, the larger first")
        .extracting(TransferOrder::digest, o -> o.source().label(), TransferOrder::after)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(large, "upstream", null),
            org.assertj.core.groups.Tuple.tuple(small, "upstream", large));
    assertThat(byNode.get("n3"))
        .extracting(TransferOrder::digest, o -> o.source().label(), TransferOrder::after)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(large, "peer/n2", null),
            org.assertj.core.groups.Tuple.tuple(small, "peer/n2", large));
  }
}
