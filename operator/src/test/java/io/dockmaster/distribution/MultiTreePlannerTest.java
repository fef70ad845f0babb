package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.MIB;
import static io.dockmaster.distribution.PlanFixtures.blob;
import static io.dockmaster.distribution.PlanFixtures.blobs;
import static io.dockmaster.distribution.PlanFixtures.emptyNodes;
import static io.dockmaster.distribution.PlanFixtures.fresh;
import static io.dockmaster.distribution.PlanFixtures.holding;
import static io.dockmaster.distribution.PlanFixtures.measuredSlow;
import static io.dockmaster.distribution.PlanFixtures.name;
import static io.dockmaster.distribution.PlanFixtures.receiving;
import static io.dockmaster.distribution.PlanFixtures.request;
import static io.dockmaster.distribution.PlanFixtures.withUpload;
import static io.dockmaster.distribution.PlanFixtures.withholding;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultiTreePlannerTest {

  private final MultiTreePlanner planner = new MultiTreePlanner();

  private final Blob layer = blob(0, 100 * MIB);

  @Test
  void aLoneNodeFetchesEveryBlobFromUpstream() {
    PlanRequest request = fresh(1, 3, 10 * MIB);

    Plan plan = planner.plan(request);

    assertThat(plan.keep()).isEmpty();
    assertThat(plan.start())
        .hasSize(3)
        .allSatisfy(
            t -> {
              assertThat(t.source()).isEqualTo(Source.UPSTREAM);
              assertThat(t.depth()).isEqualTo(1);
            });
    assertThat(plan.upstreamBytes()).isEqualTo(30 * MIB);
  }

  @Test
  void eachBlobIsSeededOnceAndByADifferentNode() {
    PlanRequest request = fresh(20, 5, 100 * MIB);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    List<Transfer> seeds = plan.start().stream().filter(t -> t.source().isUpstream()).toList();
    assertThat(seeds).hasSize(5);
    assertThat(seeds.stream().map(Transfer::node).distinct()).hasSize(5);
    assertThat(plan.upstreamBytes()).isEqualTo(500 * MIB);
    assertThat(plan.start()).hasSize(20 * 5);
  }

  @Test
  void withMoreBlobsThanNodesSeedsSpreadEvenly() {
    Plan plan = planner.plan(fresh(3, 50, MIB));

    Map<String, Long> seedsPerNode =
        plan.start().stream()
            .filter(t -> t.source().isUpstream())
            .collect(Collectors.groupingBy(Transfer::node, Collectors.counting()));
    assertThat(seedsPerNode.values()).containsExactlyInAnyOrder(16L, 17L, 17L);
  }

  @Test
  void peersPassOnWhatTheyAreStillReceiving() {
    Plan plan = planner.plan(fresh(20, 1, 100 * MIB));

    Transfer deepest =
        plan.start().stream().filter(t -> t.depth() == plan.maxDepth()).findFirst().orElseThrow();
    assertThat(deepest.depth()).isGreaterThan(2);
    Transfer feeding = plan.transferFor(deepest.source().node(), layer.digest()).orElseThrow();
    assertThat(feeding.depth()).isEqualTo(deepest.depth() - 1);
  }

  @Test
  void holdersServeAndReceiveNothingTheyHold() {
    Blob other = blob(1, 50 * MIB);
    Blob unheld = blob(2, 10 * MIB);
    List<PlanNode> nodes = new ArrayList<>(emptyNodes(6));
    nodes.add(holding("holder-a", layer));
    nodes.add(holding("holder-b", layer, other));
    PlanRequest request = request(List.of(layer, other, unheld), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.startFor("holder-a")).extracting(Transfer::blob).containsOnly(other, unheld);
    assertThat(plan.startFor("holder-b")).extracting(Transfer::blob).containsExactly(unheld);
    assertThat(plan.upstreamBytes()).as("only the blob nobody holds").isEqualTo(unheld.size());
    assertThat(plan.uploadBytesBy("holder-a") + plan.uploadBytesBy("holder-b"))
        .as("the holders serve the first copies")
        .isGreaterThanOrEqualTo(layer.size() + other.size());
  }

  @Test
  void transfersFromUpstreamAndPresentPeersStay() {
    List<PlanNode> nodes =
        List.of(
            receiving("a", layer, Source.UPSTREAM),
            receiving("b", layer, Source.peer("a")),
            receiving("c", layer, Source.peer("b")),
            PlanNode.empty("d"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep())
        .containsExactly(
            new Transfer("a", layer, Source.UPSTREAM, 1),
            new Transfer("b", layer, Source.peer("a"), 2),
            new Transfer("c", layer, Source.peer("b"), 3));
    assertThat(plan.start()).extracting(Transfer::node).containsExactly("d");
    assertThat(plan.start().get(0).source().isUpstream()).isFalse();
  }

  @Test
  void aWithheldHolderServesNoPeerAndItsReceiversAreMovedToAnother() {
    List<PlanNode> nodes =
        List.of(
            withholding("liar", layer),
            holding("good", layer),
            receiving("a", layer, Source.peer("liar")),
            PlanNode.empty("b"),
            PlanNode.empty("c"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep()).isEmpty();
    assertThat(plan.start()).extracting(Transfer::node).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(plan.transfers())
        .extracting(t -> t.source().isUpstream() ? "upstream" : t.source().node())
        .doesNotContain("liar", "upstream");
  }

  @Test
  void aSlowRelayWithheldKeepsItsOwnTransferAndItsReceiversMoveToAHolder() {
    List<PlanNode> nodes =
        List.of(
            holding("fast", layer),
            slowRelay("slow", layer, Source.peer("fast")),
            receiving("a", layer, Source.peer("slow")),
            receiving("b", layer, Source.peer("slow")),
            PlanNode.empty("c"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep()).containsExactly(new Transfer("slow", layer, Source.peer("fast"), 1));
    assertThat(plan.start()).extracting(Transfer::node).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(plan.start())
        .extracting(t -> t.source().isUpstream() ? "upstream" : t.source().node())
        .doesNotContain("slow", "upstream");
  }

  @Test
  void aSlowRelayWithheldHandsItsReceiversToNodesTheRegistryStreamFeedsBeforeAnyoneHoldsTheBlob() {
    List<PlanNode> nodes =
        List.of(
            receiving("seed", layer, Source.UPSTREAM),
            slowRelay("slow", layer, Source.peer("seed")),
            receiving("a", layer, Source.peer("slow")),
            receiving("a-child", layer, Source.peer("a")),
            PlanNode.empty("b"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep())
        .as("the slow relay's own transfer and its receiver's receiver stay")
        .containsExactlyInAnyOrder(
            new Transfer("seed", layer, Source.UPSTREAM, 1),
            new Transfer("slow", layer, Source.peer("seed"), 2),
            new Transfer("a-child", layer, Source.peer("a"), 3));
    assertThat(plan.start()).extracting(Transfer::node).containsExactlyInAnyOrder("a", "b");
    assertThat(plan.start())
        .extracting(t -> t.source().isUpstream() ? "upstream" : t.source().node())
        .as("no second registry stream, and nothing from the slow relay")
        .doesNotContain("slow", "upstream");
  }

  @Test
  void aSlowRelayWithheldStillServesWhenNeitherAHolderNorTheRegistryFeedsTheBlob() {
    List<PlanNode> nodes =
        List.of(
            slowRelay("slow", layer, Source.peer("gone")),
            receiving("a", layer, Source.peer("slow")),
            PlanNode.empty("b"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep())
        .as("moving its receiver would only start the blob over from the registry")
        .containsExactly(new Transfer("a", layer, Source.peer("slow"), 2));
    assertThat(plan.start())
        .as("the slow relay fetches its blob again, from the registry: no other node can")
        .contains(new Transfer("slow", layer, Source.UPSTREAM, 1))
        .filteredOn(t -> t.source().isUpstream())
        .hasSize(1);
  }

  @Test
  void aSlowSeedWithheldHandsItsRegistryStreamToAnotherNodeAndReceivesFromAPeer() {
    List<PlanNode> nodes =
        List.of(
            slowRelay("slow", layer, Source.UPSTREAM),
            receiving("a", layer, Source.peer("slow")),
            PlanNode.empty("b"),
            PlanNode.empty("c"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep()).isEmpty();
    assertThat(plan.start())
        .extracting(Transfer::node)
        .containsExactlyInAnyOrder("slow", "a", "b", "c");
    assertThat(plan.start())
        .filteredOn(t -> t.source().isUpstream())
        .extracting(Transfer::node)
        .singleElement()
        .isNotEqualTo("slow");
    assertThat(plan.start())
        .extracting(t -> t.source().isUpstream() ? "upstream" : t.source().node())
        .doesNotContain("slow");
  }

  @Test
  void aSlowSeedWithheldReceivesFromTheNodeTakingOverItsStream() {
    List<PlanNode> nodes = new ArrayList<>();
    nodes.add(
        new PlanNode(
            "slow",
            0,
            0,
            Set.of(),
            Map.of(layer.digest(), Source.UPSTREAM),
            Set.of(layer.digest()),
            false,
            Map.of(layer.digest(), 60 * MIB)));
    for (int i = 0; i < 6; i++) {
      nodes.add(receiving("relay-" + i, layer, Source.peer("slow"), 50 * MIB));
    }
    for (int i = 0; i < 6; i++) {
      nodes.add(PlanNode.empty("empty-" + i));
    }
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    String newSeed =
        plan.start().stream()
            .filter(t -> t.source().isUpstream())
            .map(Transfer::node)
            .findFirst()
            .orElseThrow();
    assertThat(plan.start())
        .filteredOn(t -> t.node().equals("slow"))
        .singleElement()
        .as("under the new seed, whose order goes out first, not under a node ordered after it")
        .satisfies(t -> assertThat(t.source().node()).isEqualTo(newSeed));
  }

  @Test
  void aSlowSeedStaysWhenNoOtherNodeCanFetchInItsPlace() {
    List<PlanNode> nodes =
        List.of(
            slowRelay("slow", layer, Source.UPSTREAM),
            slowRelay("slower", layer, Source.peer("slow")));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep())
        .containsExactlyInAnyOrder(
            new Transfer("slow", layer, Source.UPSTREAM, 1),
            new Transfer("slower", layer, Source.peer("slow"), 2));
    assertThat(plan.start()).isEmpty();
  }

  @Test
  void aSlowSeedWithheldReceivesFromAHolderOnceThereIsOne() {
    List<PlanNode> nodes =
        List.of(
            slowRelay("slow", layer, Source.UPSTREAM),
            holding("holder", layer),
            PlanNode.empty("b"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep()).isEmpty();
    assertThat(plan.start()).noneMatch(t -> t.source().isUpstream());
    assertThat(plan.start())
        .extracting(Transfer::node, t -> t.source().node())
        .contains(tuple("slow", "holder"));
  }

  @Test
  void aSlowSeedHandsItsRegistryStreamOnlyToANodeNotMeasuredSlow() {
    List<PlanNode> nodes =
        List.of(
            measuredSlow(slowRelay("slow", layer, Source.UPSTREAM)),
            // Carrying a receiver of its own, it would be first in line to take over.
            measuredSlow(receiving("slow-relay", layer, Source.peer("slow"))),
            receiving("its-child", layer, Source.peer("slow-relay")),
            PlanNode.empty("b"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .filteredOn(t -> t.source().isUpstream())
        .extracting(Transfer::node)
        .containsExactly("b");
  }

  @Test
  void aSlowSeedKeepsItsStreamWhenOnlyNodesMeasuredSlowCouldTakeIt() {
    List<PlanNode> nodes =
        List.of(
            measuredSlow(slowRelay("slow", layer, Source.UPSTREAM)),
            measuredSlow(receiving("also-slow", layer, Source.peer("slow"))));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep())
        .containsExactlyInAnyOrder(
            new Transfer("slow", layer, Source.UPSTREAM, 1),
            new Transfer("also-slow", layer, Source.peer("slow"), 2));
  }

  @Test
  void newReceiversAreSentToANodeMeasuredSlowOnlyWhenNoOtherCanServe() {
    List<PlanNode> nodes =
        List.of(
            measuredSlow(holding("slow-holder", layer)),
            receiving("seed", layer, Source.UPSTREAM),
            PlanNode.empty("x"),
            PlanNode.empty("y"),
            PlanNode.empty("z"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .extracting(t -> t.source().node())
        .as("a holder is shallower than the seed, but it was measured slow")
        .isNotEmpty()
        .doesNotContain("slow-holder");

    List<PlanNode> allSlow =
        List.of(measuredSlow(holding("slow-holder", layer)), PlanNode.empty("x"));
    Plan onlyChoice = planner.plan(request(List.of(layer), allSlow));
    assertThat(onlyChoice.start())
        .containsExactly(new Transfer("x", layer, Source.peer("slow-holder"), 1));
  }

  @ParameterizedTest(name = "{0} nodes, {1} blobs")
  @CsvSource({"4, 2", "4, 1", "20, 5", "100, 5"})
  void aNodeMeasuredSlowSeedsAndRelaysNothingInANewPlan(int count, int blobCount) {
    List<PlanNode> nodes = new ArrayList<>(emptyNodes(count - 1));
    nodes.add(measuredSlow(PlanNode.empty("slow")));
    PlanRequest request = request(blobs(blobCount, 6 * MIB), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.transfers())
        .filteredOn(t -> t.node().equals("slow"))
        .as("the slow node's own transfers")
        .hasSize(blobCount)
        .noneMatch(t -> t.source().isUpstream());
    assertThat(plan.transfers())
        .as("transfers from the slow node")
        .noneMatch(t -> t.source().equals(Source.peer("slow")));
    for (Transfer own : plan.transfers().filter(t -> t.node().equals("slow")).toList()) {
      int deepest =
          plan.transfers()
              .filter(t -> t.blob().equals(own.blob()))
              .mapToInt(Transfer::depth)
              .max()
              .orElseThrow();
      assertThat(own.depth())
          .as("placed last, it takes no shallow place a relay could have")
          .isEqualTo(deepest);
    }
  }

  @Test
  void nodesAllMeasuredSlowStillGetAPlan() {
    List<PlanNode> nodes = emptyNodes(6).stream().map(PlanFixtures::measuredSlow).toList();
    PlanRequest request = request(blobs(3, 6 * MIB), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.upstreamBytes()).isEqualTo(18 * MIB);
  }

  @Test
  void aNodeWhoseSourcesAreAllWithheldOrFullStillGetsOne() {
    // The holder's slots are taken by two slow relays, which serve no one; the receiver of one of
    // them has to be placed.
    List<PlanNode> nodes =
        List.of(
            holding("holder", layer),
            slowRelay("slow-a", layer, Source.peer("holder")),
            slowRelay("slow-b", layer, Source.peer("holder")),
            receiving("receiver", layer, Source.peer("slow-b")));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .containsExactly(new Transfer("receiver", layer, Source.peer("holder"), 1));
  }

  /** The holder's slots are taken by five receivers 10 MiB in, each with room to relay. */
  private List<PlanNode> holderAndFiveRelaysAt10MiB() {
    List<PlanNode> nodes = new ArrayList<>();
    nodes.add(holding("holder", layer));
    for (int i = 0; i < 5; i++) {
      nodes.add(receiving("behind-" + i, layer, Source.peer("holder"), 10 * MIB));
    }
    return nodes;
  }

  @Test
  void aReceiverPlannedAgainPartwayGetsASourceAheadOfIt() {
    // Its relay is gone at 60 MiB in; one of the holder's receivers is past that.
    List<PlanNode> nodes = holderAndFiveRelaysAt10MiB();
    nodes.add(receiving("ahead", layer, Source.peer("holder"), 80 * MIB));
    nodes.add(receiving("moved", layer, Source.peer("gone"), 60 * MIB));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .as("a relay behind it would send nothing until it got past 60 MiB")
        .containsExactly(new Transfer("moved", layer, Source.peer("ahead"), 2));
  }

  @Test
  void aReceiverPlannedAgainPartwayTakesAFullHolderRatherThanARelayBehindIt() {
    List<PlanNode> nodes = holderAndFiveRelaysAt10MiB();
    nodes.add(receiving("moved", layer, Source.peer("gone"), 60 * MIB));
    nodes.add(receiving("fresh", layer, Source.peer("gone"), 0));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .extracting(Transfer::node, t -> t.source().node())
        .as("the holder serves one more than its share")
        .contains(tuple("moved", "holder"));
    assertThat(plan.start())
        .filteredOn(t -> t.node().equals("fresh"))
        .singleElement()
        .as("a node with nothing yet takes a relay that has room, as before")
        .satisfies(t -> assertThat(t.source().node()).startsWith("behind-"));
  }

  @Test
  void receiversPlannedAgainPartwaySpreadOverTheFullSourcesAheadOfThem() {
    List<PlanNode> nodes = new ArrayList<>();
    for (String holder : List.of("holder-a", "holder-b")) {
      nodes.add(holding(holder, layer));
      for (int i = 0; i < 5; i++) {
        nodes.add(receiving(holder + "-behind-" + i, layer, Source.peer(holder), 10 * MIB));
      }
    }
    for (int i = 0; i < 4; i++) {
      nodes.add(receiving("moved-" + i, layer, Source.peer("gone"), 60 * MIB));
    }
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .extracting(t -> t.source().node())
        .as("one more each in turn, not all on the first")
        .containsExactlyInAnyOrder("holder-a", "holder-a", "holder-b", "holder-b");
  }

  private static PlanNode slowRelay(String name, Blob blob, Source source) {
    return new PlanNode(name, 0, 0, Set.of(), Map.of(blob.digest(), source), Set.of(blob.digest()));
  }

  @Test
  void whenTheOnlyHolderIsWithheldTheBlobIsSeededFromUpstreamAgain() {
    List<PlanNode> nodes =
        List.of(withholding("liar", layer), PlanNode.empty("a"), PlanNode.empty("b"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start()).extracting(Transfer::node).containsExactlyInAnyOrder("a", "b");
    assertThat(plan.start()).filteredOn(t -> t.source().isUpstream()).hasSize(1);
    assertThat(plan.start())
        .extracting(t -> t.source().isUpstream() ? "upstream" : t.source().node())
        .doesNotContain("liar");
  }

  @Test
  void receiversOfAFailedNodeGetNewSourcesAndTheirReceiversStay() {
    // seed <- a <- b <- c, and a fails: only b is planned again, c keeps streaming from b.
    List<PlanNode> nodes =
        List.of(
            receiving("seed", layer, Source.UPSTREAM),
            receiving("b", layer, Source.peer("a")),
            receiving("c", layer, Source.peer("b")),
            receiving("d", layer, Source.peer("seed")));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start()).extracting(Transfer::node).containsExactly("b");
    Transfer replanned = plan.start().get(0);
    assertThat(replanned.source()).isIn(Source.peer("seed"), Source.peer("d"));
    assertThat(plan.keep()).extracting(Transfer::node).containsExactlyInAnyOrder("seed", "c", "d");
    assertThat(plan.transferFor("c", layer.digest()).orElseThrow().depth())
        .isEqualTo(replanned.depth() + 1);
    assertThat(plan.upstreamBytes()).isEqualTo(layer.size());
  }

  @Test
  void aFailedSeedIsReplacedByTheNodeCarryingItsReceivers() {
    // The seed is gone; a was streaming from it and passing it on to b and c.
    List<PlanNode> nodes =
        List.of(
            receiving("a", layer, Source.peer("gone")),
            receiving("b", layer, Source.peer("a")),
            receiving("c", layer, Source.peer("a")),
            PlanNode.empty("d"));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start())
        .contains(new Transfer("a", layer, Source.UPSTREAM, 1))
        .extracting(Transfer::node)
        .containsExactlyInAnyOrder("a", "d");
    assertThat(plan.keep()).extracting(Transfer::node).containsExactlyInAnyOrder("b", "c");
  }

  @Test
  void aCycleOfPeersIsBrokenAndSeededFromUpstream() {
    List<PlanNode> nodes =
        List.of(
            receiving("a", layer, Source.peer("c")),
            receiving("b", layer, Source.peer("a")),
            receiving("c", layer, Source.peer("b")));
    PlanRequest request = request(List.of(layer), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start()).containsExactly(new Transfer("a", layer, Source.UPSTREAM, 1));
    assertThat(plan.keep())
        .containsExactly(
            new Transfer("b", layer, Source.peer("a"), 2),
            new Transfer("c", layer, Source.peer("b"), 3));
  }

  @Test
  void aNodeNamedAsItsOwnSourceIsPlannedAgain() {
    List<PlanNode> nodes = List.of(holding("a", layer), receiving("b", layer, Source.peer("b")));

    Plan plan = planner.plan(request(List.of(layer), nodes));

    assertThat(plan.keep()).isEmpty();
    assertThat(plan.start()).containsExactly(new Transfer("b", layer, Source.peer("a"), 1));
  }

  @Test
  void transfersOfHeldOrUnrequestedBlobsAreDropped() {
    Blob unrequested = blob(9, MIB);
    PlanNode finished =
        new PlanNode(
            "a",
            0,
            0,
            Set.of(layer.digest()),
            Map.of(layer.digest(), Source.UPSTREAM, unrequested.digest(), Source.UPSTREAM));

    Plan plan = planner.plan(request(List.of(layer), List.of(finished, PlanNode.empty("b"))));

    assertThat(plan.keep()).isEmpty();
    assertThat(plan.start()).containsExactly(new Transfer("b", layer, Source.peer("a"), 1));
  }

  @Test
  void upstreamStreamsPerBlobAreCapped() {
    List<PlanNode> nodes =
        List.of(
            receiving("a", layer, Source.UPSTREAM),
            receiving("b", layer, Source.UPSTREAM),
            receiving("c", layer, Source.UPSTREAM),
            PlanNode.empty("d"));
    PlanRequest request = new PlanRequest(List.of(layer), nodes, 2);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.keep()).extracting(Transfer::node).containsExactly("a", "b");
    assertThat(plan.start())
        .extracting(Transfer::node, t -> t.source().isUpstream())
        .containsExactlyInAnyOrder(tuple("c", false), tuple("d", false));
  }

  @Test
  void noNewUpstreamStreamWhileOneIsRunning() {
    List<PlanNode> nodes = new ArrayList<>(emptyNodes(10));
    nodes.add(receiving("seed", layer, Source.UPSTREAM));
    PlanRequest request = new PlanRequest(List.of(layer), nodes, 3);

    Plan plan = planner.plan(request);

    assertThat(plan.start()).noneMatch(t -> t.source().isUpstream());
    assertThat(plan.upstreamBytes()).isEqualTo(layer.size());
  }

  /**
   * Bounds achieved: several equal blobs ≤ 1.25 × the mean upload (1.05 or less from 20 nodes up);
   * one blob ≤ 2N/(N−1) × the mean, since a tree shallower than a chain needs forwarding nodes with
   * two children while the mean is (N−1)/N of a copy.
   */
  @ParameterizedTest(name = "{0} nodes, {1} blobs: max upload <= {2} x mean")
  @CsvSource({"20, 5, 1.06", "100, 1, 2.03", "5000, 1, 2.0005", "5000, 50, 1.01", "5, 2, 1.25"})
  void uploadsAreBalanced(int nodes, int blobs, double bound) {
    PlanRequest request = fresh(nodes, blobs, 100 * MIB);

    Plan plan = planner.plan(request);

    assertThat(PlanInvariants.uploadImbalance(request, plan)).isLessThanOrEqualTo(bound);
    assertThat(plan.upstreamBytes()).isEqualTo(blobs * 100 * MIB);
  }

  @Test
  void unequalBlobsAreBalancedToo() {
    List<Blob> blobs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      blobs.add(blob(i, (1L << i) * MIB)); // 1 MiB to 128 MiB: the largest is half the image
    }
    PlanRequest request = request(blobs, emptyNodes(50));

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(PlanInvariants.uploadImbalance(request, plan)).isLessThanOrEqualTo(1.1);
  }

  @Test
  void oneBlobDominatingTheImageIsBalancedLikeASingleBlob() {
    List<Blob> blobs = List.of(blob(0, 950 * MIB), blob(1, 20 * MIB), blob(2, 30 * MIB));
    PlanRequest request = request(blobs, emptyNodes(19));

    double imbalance = PlanInvariants.uploadImbalance(request, planner.plan(request));

    assertThat(imbalance).isLessThanOrEqualTo(2.0 * 19 / 18);
  }

  @Test
  void fasterUploadersCarryMore() {
    List<PlanNode> nodes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      nodes.add(withUpload(PlanNode.empty(name(i)), i % 4 == 0 ? 1_000_000_000 : 100_000_000));
    }
    PlanRequest request = request(blobs(5, 100 * MIB), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(PlanInvariants.uploadImbalance(request, plan))
        .as("upload time, each node's bytes over its rate")
        .isLessThanOrEqualTo(1.34);
    double fast = meanUpload(plan, nodes, 1_000_000_000);
    double slow = meanUpload(plan, nodes, 100_000_000);
    assertThat(fast).isGreaterThan(3 * slow);
  }

  @ParameterizedTest(name = "{0} nodes, {1} blobs")
  @CsvSource({"4, 2", "4, 1", "20, 5", "100, 5"})
  void aNodeAnnouncingATwentiethOfTheOthersRateRelaysNothing(int count, int blobCount) {
    List<PlanNode> nodes = new ArrayList<>();
    for (int i = 0; i < count - 1; i++) {
      nodes.add(withUpload(PlanNode.empty(name(i)), 5 * MIB));
    }
    nodes.add(withUpload(PlanNode.empty("slow"), MIB / 4));
    PlanRequest request = request(blobs(blobCount, 6 * MIB), nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.transfers())
        .as("transfers from the slow node")
        .noneMatch(t -> t.source().equals(Source.peer("slow")));
  }

  @ParameterizedTest(name = "{0} blobs")
  @CsvSource({"1, 2.5", "2, 1.75", "5, 1.75", "20, 1.75"})
  void randomUploadRatesAreBalancedByCapacity(int blobs, double bound) {
    Random random = new Random(blobs);
    for (int round = 0; round < 30; round++) {
      List<PlanNode> nodes = new ArrayList<>();
      int count = 5 + random.nextInt(300);
      for (int i = 0; i < count; i++) {
        nodes.add(withUpload(PlanNode.empty(name(i)), 1 + random.nextInt(10)));
      }
      PlanRequest request = request(blobs(blobs, 10 * MIB), nodes);

      assertThat(PlanInvariants.uploadImbalance(request, planner.plan(request)))
          .as("%d nodes, rates 1 to 10", count)
          .isLessThanOrEqualTo(bound);
    }
  }

  @Test
  void aNodeHoldingEverythingServesFirstCopiesWithoutCarryingAll() {
    List<Blob> blobs = blobs(5, 100 * MIB);
    List<PlanNode> nodes = new ArrayList<>(emptyNodes(99));
    nodes.add(holding("warm", blobs.toArray(Blob[]::new)));
    PlanRequest request = request(blobs, nodes);

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.upstreamBytes()).isZero();
    assertThat(PlanInvariants.uploadImbalance(request, plan)).isLessThanOrEqualTo(2.0);
  }

  @ParameterizedTest(name = "{0} nodes, {1} blobs")
  @CsvSource({"5000, 1", "5000, 50", "1000, 3", "100, 1", "2, 1"})
  void treesAreAboutLogNDeep(int nodes, int blobs) {
    Plan plan = planner.plan(fresh(nodes, blobs, 10 * MIB));

    int log2 = 32 - Integer.numberOfLeadingZeros(nodes - 1); // ceil(log2(nodes))
    assertThat(plan.maxDepth()).isLessThanOrEqualTo(log2 + 1);
  }

  @Test
  void sameRequestSamePlanWhateverTheOrder() {
    PlanRequest request = MultiTreePlannerPropertyTest.randomState(new Random(42));
    List<PlanNode> nodes = new ArrayList<>(request.nodes());
    List<Blob> blobs = new ArrayList<>(request.blobs());
    Collections.reverse(nodes);
    Collections.reverse(blobs);

    Plan plan = planner.plan(request);

    assertThat(new MultiTreePlanner().plan(request)).isEqualTo(plan);
    assertThat(planner.plan(new PlanRequest(blobs, nodes, request.maxUpstreamStreams())))
        .isEqualTo(plan);
  }

  @Test
  void emptyRequestsGiveEmptyPlans() {
    assertThat(planner.plan(request(List.of(), emptyNodes(3))))
        .isEqualTo(new Plan(List.of(), List.of()));
    assertThat(planner.plan(request(List.of(layer), List.of())))
        .isEqualTo(new Plan(List.of(), List.of()));
  }

  @Test
  void emptyBlobsNeedNoBandwidthButStillAPlan() {
    Blob empty = blob(0, 0);
    PlanRequest request = request(List.of(empty, blob(1, MIB)), emptyNodes(30));

    Plan plan = planner.plan(request);

    PlanInvariants.assertValid(request, plan);
    assertThat(plan.start()).filteredOn(t -> t.blob().equals(empty)).hasSize(30);
  }

  private static double meanUpload(Plan plan, List<PlanNode> nodes, long rate) {
    Map<String, Long> uploads = new HashMap<>(plan.uploadBytesByNode());
    return nodes.stream()
        .filter(n -> n.uploadBytesPerSecond() == rate)
        .mapToLong(n -> uploads.getOrDefault(n.name(), 0L))
        .average()
        .orElseThrow();
  }
}
