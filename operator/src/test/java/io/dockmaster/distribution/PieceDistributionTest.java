package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobRange;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.BlobState.Phase;
import io.dockmaster.control.ReceivedPiece;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.distribution.FakeAgents.Received;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A mirror whose image has one layer much larger than the rest: that layer moves in pieces. */
class PieceDistributionTest {

  private static final String AMD64 = "linux/amd64";
  private static final String IMAGE = "registry.example.com/team/app:1";
  private static final long MIB = 1024 * 1024;
  private static final WantedBlob LARGE = blob("large", 400 * MIB);
  private static final List<WantedBlob> IMAGE_BLOBS =
      List.of(
          LARGE,
          blob("a", 25 * MIB),
          blob("b", 25 * MIB),
          blob("c", 25 * MIB),
          blob("d", 25 * MIB),
          blob("config", 2_000));

  private final FakeAgents agents = new FakeAgents();
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final ExecutorService background = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    pool.shutdownNow();
    background.shutdownNow();
  }

  @Test
  void theLargeLayersPiecesAreSeededByDifferentNodesAndPassedOnAsPieces() {
    DistributionRun run = run();

    run.round(nodes(20, true));

    List<TransferOrder> large =
        agents.orders.stream()
            .map(Received::order)
            .filter(o -> o.digest().equals(digest(LARGE)))
            .toList();
    assertThat(large).hasSize(16 * 20).allMatch(o -> o.piece() != null);
    assertThat(large.stream().map(TransferOrder::piece).distinct()).hasSize(16);
    Set<String> seeds =
        agents.orders.stream()
            .filter(r -> r.order().piece() != null && r.order().source().fromUpstream())
            .map(Received::node)
            .collect(Collectors.toSet());
    assertThat(seeds).hasSize(16);
    assertThat(large).allMatch(o -> o.size() == LARGE.descriptor().size());
    assertThat(agents.orders)
        .filteredOn(r -> !r.order().digest().equals(digest(LARGE)))
        .allMatch(r -> r.order().piece() == null);
    assertThat(agents.pins.get("node-00/uid-1").digests())
        .as("pins name blobs, not pieces")
        .containsExactlyInAnyOrderElementsOf(IMAGE_BLOBS.stream().map(this::digest).toList());
  }

  @Test
  void aNodeHoldsTheImageOnceItHoldsEveryPieceOfTheLargeLayer() {
    DistributionRun run = run();
    List<AgentLease> nodes = nodes(3, true);
    run.round(nodes);
    agents.finishAllOrders();
    BlobPiece unfinished =
        agents.ordersFor("node-00").stream()
            .map(r -> r.order().piece())
            .filter(p -> p != null)
            .findFirst()
            .orElseThrow();
    agents.set(
        "node-00",
        unfinished.name(),
        new BlobState(unfinished.name(), Phase.RECEIVING, 10, "upstream", null, null));

    DistributionProgress progress = run.round(nodes);

    assertThat(progress.complete()).isEqualTo(2);
    assertThat(progress.completeByImage()).containsEntry(IMAGE, 2);
    long image = IMAGE_BLOBS.stream().mapToLong(b -> b.descriptor().size()).sum();
    assertThat(progress.bytesWanted()).isEqualTo(3 * image);
    assertThat(progress.bytesHeld()).isEqualTo(3 * image - unfinished.length() + 10);
  }

  @Test
  void withAnAgentThatDoesNotTakePiecesTheRunMovesWholeBlobs() {
    DistributionRun run = run();
    List<AgentLease> nodes = new ArrayList<>(nodes(4, true));
    nodes.add(FakeAgents.lease("old-node", AMD64));

    run.round(nodes);

    assertThat(agents.orders).isNotEmpty().allMatch(r -> r.order().piece() == null);
  }

  @Test
  void anAgentWithoutPiecesThatJoinsARunInPiecesIsNamedAndLeftOut() {
    DistributionRun run = run();
    run.round(nodes(4, true));
    List<AgentLease> later = new ArrayList<>(nodes(4, true));
    later.add(FakeAgents.lease("old-node", AMD64));

    DistributionProgress progress = run.round(later);

    assertThat(agents.ordersFor("old-node")).isEmpty();
    assertThat(progress.desired()).isEqualTo(4);
    assertThat(progress.failures())
        .anySatisfy(
            p -> {
              assertThat(p.node()).isEqualTo("old-node");
              assertThat(p.reason()).isEqualTo("AgentTooOld");
              assertThat(p.message()).contains("upgrade the agent");
            });
  }

  @Test
  void theSendersOfPiecesThatDidNotAddUpAreReCheckedAndARottenCopyIsFetchedAgain() {
    DistributionRun run = run();
    List<BlobPiece> pieces = piecesOfLarge();
    // node-00 holds the image, but its copy of the large layer rotted on disk unnoticed.
    holdsTheImage("node-00", pieces);
    agents.rot("node-00", digest(LARGE), LARGE.descriptor().size());
    List<AgentLease> nodes = nodes(4, true);
    run.round(nodes);
    assertThat(agents.orders)
        .filteredOn(r -> r.order().piece() != null && r.order().source().fromUpstream())
        .as("a node holds the layer: the registry is not asked for it")
        .isEmpty();

    BlobPiece last = pieces.get(pieces.size() - 1);
    agents.set("node-01", last.name(), piecesFailed(last, null));
    // The re-check hashes a large blob: the round does not wait for it.
    agents.holdVerifications();
    DistributionProgress progress = run.round(nodes);

    assertThat(progress.complete()).as("a suspect copy does not count").isZero();
    await().until(() -> agents.verifications.contains("node-00 " + digest(LARGE)));
    agents.releaseVerifications();
    assertThat(agents.verifications)
        .as("the blob is re-checked, never a piece")
        .allMatch(v -> !v.contains("@"))
        .contains("node-02 " + digest(LARGE));

    await().until(() -> !agents.holds("node-00", digest(LARGE)));
    // The check deleted the file its peers were reading pieces from: their streams break off.
    for (Received received : List.copyOf(agents.orders)) {
      if (received.order().piece() != null
          && received.order().source().label().equals("peer/node-00")) {
        String unit = received.order().unitName();
        agents.set(
            received.node(),
            unit,
            new BlobState(
                unit, Phase.FAILED, 0, "peer/node-00", "SourceMissing", "node-00 lost it"));
      }
    }
    int before = agents.orders.size();
    await()
        .until(
            () -> {
              run.round(nodes);
              return agents.orders.subList(before, agents.orders.size()).stream()
                  .anyMatch(r -> r.node().equals("node-00") && r.order().piece() != null);
            });
    List<Received> after = List.copyOf(agents.orders.subList(before, agents.orders.size()));
    Set<BlobPiece> refetchedByNode00 =
        after.stream()
            .filter(r -> r.node().equals("node-00") && r.order().piece() != null)
            .map(r -> r.order().piece())
            .collect(Collectors.toSet());
    assertThat(refetchedByNode00).as("node-00 fetches the layer again").isNotEmpty();
    assertThat(after)
        .filteredOn(r -> r.order().piece() != null)
        .as("no good copy is left: the layer's pieces come from the registry again")
        .anyMatch(r -> r.order().source().fromUpstream())
        .filteredOn(r -> r.order().source().label().equals("peer/node-00"))
        .as("node-00 passes on only pieces it is fetching anew, not its old copy")
        .allMatch(r -> refetchedByNode00.contains(r.order().piece()));
  }

  @Test
  void theSenderOfAPieceItsOwnIntactCopyDoesNotHoldIsWithheldAfterItsStrikes() {
    DistributionRun run = run();
    List<BlobPiece> pieces = piecesOfLarge();
    holdsTheImage("node-00", pieces);
    holdsTheImage("node-02", pieces);
    List<AgentLease> nodes = nodes(4, true);
    run.round(nodes);
    BlobPiece first = pieces.get(0);
    BlobPiece second = pieces.get(1);
    BlobPiece last = pieces.get(pieces.size() - 1);
    String layer = digest(LARGE);

    for (int strike = 1; strike <= SuspectSources.STRIKES; strike++) {
      // node-01 and node-03 in turn: node-00 sent the first piece as its copy holds it, node-02
      // the second with bytes its copy does not hold (its memory or network card corrupted them).
      String receiver = strike % 2 == 0 ? "node-01" : "node-03";
      agents.set(
          receiver,
          last.name(),
          new BlobState(last.name(), Phase.RECEIVING, 10, "peer/node-00", null, null));
      run.round(nodes);
      agents.set(
          receiver,
          last.name(),
          piecesFailed(
              last,
              List.of(
                  new ReceivedPiece(
                      first.offset(),
                      first.length(),
                      "peer/node-00",
                      FakeAgents.truly(layer, new BlobRange(first.offset(), first.length()))),
                  new ReceivedPiece(
                      second.offset(),
                      second.length(),
                      "peer/node-02",
                      "sha256:" + "0".repeat(64)))));
      // Both senders are suspects until their re-checks answer; then both copies count again.
      await().until(() -> run.round(nodes).complete() == 2);
    }

    assertThat(run.progress().orElseThrow().failures())
        .filteredOn(problem -> problem.reason().equals("CorruptSource"))
        .extracting(DistributionProgress.NodeProblem::node)
        .containsExactly("node-02");
  }

  private DistributionRun run() {
    DistributionTarget target =
        new DistributionTarget(
            "uid-1",
            "app",
            1,
            UpstreamAccess.anonymous("registry.example.com", false),
            Map.of(AMD64, IMAGE_BLOBS),
            Optional.empty(),
            1,
            0,
            0,
            false,
            Map.of(),
            Map.of(
                IMAGE,
                Map.of(
                    AMD64,
                    IMAGE_BLOBS.stream()
                        .map(b -> b.descriptor().digest())
                        .collect(Collectors.toSet()))));
    return new DistributionRun(
        target,
        new MultiTreePlanner(),
        new AgentCalls(agents, pool, background),
        new DistributionMetrics(new SimpleMeterRegistry()),
        Clock.systemUTC(),
        () -> {});
  }

  private static List<AgentLease> nodes(int count, boolean takingPieces) {
    List<AgentLease> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = "node-%02d".formatted(i);
      nodes.add(
          takingPieces ? FakeAgents.leaseTakingPieces(name, AMD64) : FakeAgents.lease(name, AMD64));
    }
    return nodes;
  }

  /**
   * The receiver's assembly of the large layer, whose pieces came from node-00 and node-02, did not
   * hash to its digest; the last piece's transfer reports it.
   */
  private static BlobState piecesFailed(BlobPiece last, List<ReceivedPiece> received) {
    return new BlobState(
        last.name(),
        Phase.FAILED,
        0,
        "several sources",
        "DigestMismatch",
        "the pieces of blob ... together hashed to sha256:0000",
        null,
        List.of("peer/node-00", "peer/node-02"),
        null,
        received);
  }

  private void holdsTheImage(String node, List<BlobPiece> pieces) {
    for (WantedBlob blob : IMAGE_BLOBS) {
      agents.complete(node, digest(blob), blob.descriptor().size());
    }
    pieces.forEach(p -> agents.complete(node, p.name(), p.length()));
  }

  private static List<BlobPiece> piecesOfLarge() {
    return PieceLayout.of(
            IMAGE_BLOBS.stream()
                .map(b -> new Blob(b.descriptor().digest(), b.descriptor().size()))
                .toList())
        .piecesOf(LARGE.descriptor().digest());
  }

  private String digest(WantedBlob blob) {
    return blob.descriptor().digest().toString();
  }

  private static WantedBlob blob(String content, long size) {
    Digest digest = Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    return new WantedBlob(
        new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, size), "team/app");
  }
}
