package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.blob;
import static io.dockmaster.distribution.PlanFixtures.digest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.Digest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanRequestTest {

  @Test
  void rejectsDuplicateNodeNames() {
    List<PlanNode> nodes = List.of(PlanNode.empty("a"), PlanNode.empty("b"), PlanNode.empty("a"));

    assertThatThrownBy(() -> new PlanRequest(List.of(blob(0, 1)), nodes, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nodes: name \"a\" is listed twice; node names must be unique");
  }

  @Test
  void aBlobListedTwiceCountsOnce() {
    PlanRequest request =
        new PlanRequest(List.of(blob(0, 1), blob(1, 2), blob(0, 1)), List.of(), 1);

    assertThat(request.blobs()).containsExactly(blob(0, 1), blob(1, 2));
  }

  @Test
  void rejectsOneDigestWithTwoSizes() {
    assertThatThrownBy(() -> new PlanRequest(List.of(blob(0, 1), blob(0, 2)), List.of(), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "blobs: " + digest(0) + " is listed with sizes 1 and 2; one digest has one size");
  }

  @Test
  void rejectsFewerThanOneUpstreamStream() {
    assertThatThrownBy(() -> new PlanRequest(List.of(), List.of(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("maxUpstreamStreams must be at least 1 (got 0)");
  }

  @Test
  void rejectsNegativeBlobSizes() {
    assertThatThrownBy(() -> blob(3, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("blob size must not be negative: " + digest(3) + " has size -1");
  }

  @Test
  void rejectsNegativeRatesNamingTheNodeAndField() {
    assertThatThrownBy(() -> new PlanNode("n1", -5, 0, Set.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "uploadBytesPerSecond of node \"n1\" must not be negative (0 means unknown), got -5");
    assertThatThrownBy(() -> new PlanNode("n1", 0, -1, Set.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("downloadBytesPerSecond of node \"n1\"");
  }

  @Test
  void rejectsNamelessNodesAndPeers() {
    assertThatThrownBy(() -> PlanNode.empty(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("node name must not be empty");
    assertThatThrownBy(() -> Source.peer(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("peer source needs a node name");
  }

  @Test
  void upstreamIsNoNode() {
    assertThat(Source.UPSTREAM.isUpstream()).isTrue();
    assertThat(Source.peer("a").isUpstream()).isFalse();
    assertThat(Source.peer("a").node()).isEqualTo("a");
    assertThat(Source.peer("a")).hasToString("peer/a");
    assertThatThrownBy(Source.UPSTREAM::node).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void requestsAndNodesCopyWhatTheyAreGiven() {
    Set<Digest> complete = new HashSet<>(Set.of(digest(1)));
    Map<Digest, Source> receiving = new HashMap<>();
    PlanNode node = new PlanNode("a", 0, 0, complete, receiving);
    complete.clear();
    receiving.put(digest(2), Source.UPSTREAM);

    assertThat(node.complete()).containsExactly(digest(1));
    assertThat(node.receiving()).isEmpty();
  }

  @Test
  void transfersStartOneHopFromACopy() {
    assertThatThrownBy(() -> new Transfer("a", blob(0, 1), Source.UPSTREAM, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("transfer depth must be at least 1, got 0");
  }
}
