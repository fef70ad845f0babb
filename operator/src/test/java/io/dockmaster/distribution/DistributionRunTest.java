package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.BlobState.Phase;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.distribution.FakeAgents.Received;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.dockmaster.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rounds of one mirror's distribution against agents kept in memory, with the real planner. */
class DistributionRunTest {

  private static final String AMD64 = "linux/amd64";
  private static final WantedBlob LAYER_A = blob("layer-a", 1000);
  private static final WantedBlob LAYER_B = blob("layer-b", 3000);

  private final FakeAgents agents = new FakeAgents();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final ExecutorService background = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    agents.releaseVerifications();
    pool.shutdownNow();
    background.shutdownNow();
  }

  private static WantedBlob blob(String content, long size) {
    Digest digest = Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    return new WantedBlob(
        new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, size), "team/app");
  }

  private static final String IMAGE = "registry.example.com/team/app:1";

  private static Map<String, java.util.Set<Digest>> digestsByPlatform(
      Map<String, List<WantedBlob>> blobs) {
    Map<String, java.util.Set<Digest>> digests = new java.util.HashMap<>();
    blobs.forEach(
        (platform, list) ->
            digests.put(
                platform,
                list.stream()
                    .map(b -> b.descriptor().digest())
                    .collect(java.util.stream.Collectors.toSet())));
    return digests;
  }

  private static String digest(WantedBlob blob) {
    return blob.descriptor().digest().toString();
  }

  private DistributionRun run(Map<String, List<WantedBlob>> blobs) {
    return run(blobs, Clock.systemUTC());
  }

  private DistributionRun run(Map<String, List<WantedBlob>> blobs, Clock clock) {
    return run(blobs, clock, new MultiTreePlanner());
  }

  private DistributionRun run(
      Map<String, List<WantedBlob>> blobs, Clock clock, DistributionPlanner planner) {
    DistributionTarget target =
        new DistributionTarget(
            "uid-1",
            "app",
            1,
            UpstreamAccess.anonymous("registry.example.com", false),
            blobs,
            Optional.empty(),
            2,
            0,
            2_000_000,
            false,
            Map.of(),
            Map.of(IMAGE, digestsByPlatform(blobs)));
    return new DistributionRun(
        target,
        planner,
        new AgentCalls(agents, pool, background),
        new DistributionMetrics(meters),
        clock,
        agentChanges::incrementAndGet);
  }

  private final java.util.concurrent.atomic.AtomicInteger agentChanges =
      new java.util.concurrent.atomic.AtomicInteger();

  private long directInventories() {
    return agents.directInventories.values().stream()
        .mapToLong(java.util.concurrent.atomic.AtomicLong::get)
        .sum();
  }

  private static List<AgentLease> nodes(String... names) {
    return java.util.Arrays.stream(names).map(n -> FakeAgents.lease(n, AMD64)).toList();
  }

  @Test
  void aChainsNodesTakeTheirBlobsOneAfterAnotherFromTheNodeBeforeThem() {
    DistributionRun run =
        run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)), Clock.systemUTC(), new ChainOrTrees());

    run.round(nodes("n1", "n2", "n3"));

    assertThat(agents.ordersFor("n1").stream().map(Received::order))
        .as("the first node fetches both from the registry, the larger first")
        .extracting(TransferOrder::digest, o -> o.source().label(), TransferOrder::after)
        .containsExactly(
            tuple(digest(LAYER_B), "upstream", null),
            tuple(digest(LAYER_A), "upstream", digest(LAYER_B)));
    assertThat(agents.ordersFor("n3").stream().map(Received::order))
        .extracting(TransferOrder::digest, o -> o.source().label(), TransferOrder::after)
        .containsExactly(
            tuple(digest(LAYER_B), "peer/n2", null),
            tuple(digest(LAYER_A), "peer/n2", digest(LAYER_B)));
  }

  @Test
  void aChainNodeFallingBehindItsSourceGoesToTheEndAndTheNodeAfterItGoesRoundIt() {
    long mib = 1 << 20;
    WantedBlob first = blob("first", 100 * mib);
    WantedBlob next = blob("next", 100 * mib);
    ManualClock clock = new ManualClock(Instant.parse("2026-12-06T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(first, next)), clock, new ChainOrTrees());
    String b = digest(first);
    String a = digest(next);
    List<AgentLease> chain = nodes("n1", "n2", "n3", "n4");
    receiving("n1", b, 10 * mib, "upstream");
    waiting("n1", a, "upstream");
    receiving("n2", b, 9 * mib, "peer/n1");
    waiting("n2", a, "peer/n1");
    receiving("n3", b, 8 * mib, "peer/n2");
    waiting("n3", a, "peer/n2");
    receiving("n4", b, 7 * mib, "peer/n3");
    waiting("n4", a, "peer/n3");
    run.round(chain);
    agents.orders.clear();

    // n2 and all before it went on at 11 MiB/s, n3 took in 2 MiB/s and n4 all n3 had.
    clock.advance(Duration.ofSeconds(8));
    agents.complete("n1", b, 100 * mib);
    receiving("n1", a, 50 * mib, "upstream");
    agents.complete("n2", b, 100 * mib);
    receiving("n2", a, 48 * mib, "peer/n1");
    receiving("n3", b, 24 * mib, "peer/n2");
    waiting("n3", a, "peer/n2");
    receiving("n4", b, 23 * mib, "peer/n3");
    waiting("n4", a, "peer/n3");
    run.round(chain);

    assertThat(agents.orders)
        .extracting(r -> r.order().source().label())
        .as("no one is sent to n3 any more")
        .isNotEmpty()
        .doesNotContain("peer/n3");
    assertThat(agents.ordersFor("n4").stream().map(Received::order))
        .as("n4 continues from the node before n3")
        .extracting(TransferOrder::digest, o -> o.source().label())
        .contains(tuple(b, "peer/n2"), tuple(a, "peer/n2"));
    assertThat(agents.ordersFor("n3").stream().map(Received::order))
        .as("n3 keeps what it began, unpaced, and takes what it had not from the end of the chain")
        .extracting(TransferOrder::digest, o -> o.source().label(), TransferOrder::slowReceiver)
        .containsExactlyInAnyOrder(tuple(b, "peer/n2", true), tuple(a, "peer/n4", true));
    assertThat(meters.get("dockmaster.distribution.slow.nodes").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void aChainsFirstNodeGoesToTheEndAfterTenSecondsAndIsFoundSlowThereIfItIs() {
    long mib = 1 << 20;
    WantedBlob first = blob("first", 400 * mib);
    WantedBlob next = blob("next", 100 * mib);
    ManualClock clock = new ManualClock(Instant.parse("2026-12-06T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(first, next)), clock, new ChainOrTrees());
    String b = digest(first);
    String a = digest(next);
    List<AgentLease> chain = nodes("n1", "n2", "n3", "n4");
    // Every node takes in at n1's 2 MiB/s: nothing before the move can tell.
    for (int second = 0; second <= 9; second++) {
      for (int node = 1; node <= 4; node++) {
        String name = "n" + node;
        String source = node == 1 ? "upstream" : "peer/n" + (node - 1);
        receiving(name, b, (2 * second + 5 - node) * mib, source);
        waiting(name, a, source);
      }
      run.round(chain);
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(agents.orders).extracting(Received::node).doesNotContain("n2");

    receiving("n1", b, 24 * mib, "upstream");
    run.round(chain);

    assertThat(agents.ordersFor("n2").stream().map(Received::order))
        .as("n2 takes the registry stream over, and fetches the next blob")
        .extracting(TransferOrder::digest, o -> o.source().label())
        .containsExactlyInAnyOrder(tuple(b, "upstream"), tuple(a, "upstream"));
    assertThat(agents.ordersFor("n1").stream().map(Received::order))
        .as("n1 continues from the chain's last node")
        .extracting(TransferOrder::digest, o -> o.source().label(), TransferOrder::slowReceiver)
        .containsExactlyInAnyOrder(tuple(b, "peer/n4", false), tuple(a, "peer/n4", false));

    // n2 to n4 go on at 11 MiB/s; n1 takes in 2 MiB/s once n4 is past it.
    agents.orders.clear();
    waiting("n2", a, "upstream");
    waiting("n1", a, "peer/n4");
    for (int second = 1; second <= 12; second++) {
      clock.advance(Duration.ofSeconds(1));
      receiving("n2", b, (23 + 11 * second) * mib, "upstream");
      receiving("n3", b, (22 + 11 * second) * mib, "peer/n2");
      receiving("n4", b, (21 + 11 * second) * mib, "peer/n3");
      receiving("n1", b, (24 + 2 * Math.max(0, second - 1)) * mib, "peer/n4");
      run.round(chain);
    }

    assertThat(meters.get("dockmaster.distribution.slow.nodes").gauge().value())
        .as("n1 found slow: behind n4 (ChainGaps), or by its intake, whichever first")
        .isEqualTo(1.0);
    assertThat(agents.ordersFor("n1").stream().map(Received::order))
        .as("n1 goes on unpaced, measured slow")
        .extracting(TransferOrder::digest, o -> o.source().label(), TransferOrder::slowReceiver)
        .contains(tuple(b, "peer/n4", true));
  }

  private void waiting(String node, String blob, String source) {
    agents.set(
        node,
        blob,
        new BlobState(blob, Phase.RECEIVING, 0, source, null, null, null, null, true, null));
  }

  @Test
  void eachBlobIsFetchedUpstreamOnceAndPeersAreToldAfterTheirSource() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)));

    DistributionProgress progress = run.round(nodes("n1", "n2", "n3", "n4"));

    assertThat(progress.desired()).isEqualTo(4);
    assertThat(progress.complete()).isZero();
    for (WantedBlob blob : List.of(LAYER_A, LAYER_B)) {
      List<Received> forBlob =
          agents.orders.stream().filter(r -> r.order().digest().equals(digest(blob))).toList();
      assertThat(forBlob).as("every node is told to fetch it").hasSize(4);
      assertThat(forBlob).filteredOn(r -> r.order().source().fromUpstream()).hasSize(1);
      for (Received received : forBlob) {
        if (!received.order().source().fromUpstream()) {
          Received source =
              forBlob.stream()
                  .filter(r -> r.node().equals(received.order().source().node()))
                  .findFirst()
                  .orElseThrow();
          assertThat(source.sequence())
              .as("%s is told before %s fetches from it", source.node(), received.node())
              .isLessThan(received.sequence());
        }
      }
    }
    assertThat(agents.pins.get("n1/uid-1").digests())
        .containsExactlyInAnyOrder(digest(LAYER_A), digest(LAYER_B));
    assertThat(agents.pins.get("n1/uid-1").downloadBytesPerSecond())
        .as("the mirror's caps travel with its pins")
        .isEqualTo(2_000_000);
  }

  @Test
  void pinsAreSentOnceToEachAgentProcessAndAgainAfterARestart() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    run.round(nodes("n1", "n2"));
    agents.pins.clear();

    run.round(nodes("n1", "n2"));
    assertThat(agents.pins).as("the same processes keep what they were told").isEmpty();

    // n1's agent restarted (a new Lease acquireTime): its pins were in memory only.
    run.round(
        List.of(
            FakeAgents.lease("n1", AMD64, FakeAgents.AGENTS_STARTED.plusSeconds(300)),
            FakeAgents.lease("n2", AMD64)));
    assertThat(agents.pins).containsOnlyKeys("n1/uid-1");
  }

  @Test
  void aSecondRoundKeepsTransfersThatAreRunning() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    run.round(nodes("n1", "n2", "n3"));
    int first = agents.orders.size();

    run.round(nodes("n1", "n2", "n3"));

    assertThat(agents.orders).as("nothing new to order").hasSize(first);
  }

  @Test
  void agentsThatHoldInventoriesAreAskedOnceAndThenOnlyTellWhatChanged() {
    agents.holdInventories();
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)));
    List<AgentLease> three = nodes("n1", "n2", "n3");

    run.round(three);
    assertThat(directInventories()).as("first round: each agent asked").isEqualTo(3);
    int ordered = agents.orders.size();
    assertThat(ordered).isEqualTo(6);
    await().alias("the watch caught up with the orders").until(() -> agents.heldInventories() == 3);

    DistributionProgress again = run.round(three);
    assertThat(directInventories()).as("nothing changed: nobody asked").isEqualTo(3);
    assertThat(agents.orders).as("and nothing ordered twice").hasSize(ordered);
    assertThat(again.complete()).isZero();

    int changesBefore = agentChanges.get();
    agents.finishAllOrders();
    await().until(() -> agentChanges.get() > changesBefore);
    await().until(() -> run.round(three).complete() == 3);
    assertThat(directInventories()).as("changes came over the held requests").isEqualTo(3);
    assertThat(agents.orders).hasSize(ordered);
  }

  @Test
  void anAgentWhoseHeldInventoryFailsIsAskedDirectlyAndReportedUnreachable() {
    agents.holdInventories();
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    List<AgentLease> two = nodes("n1", "n2");
    run.round(two);
    assertThat(directInventories()).isEqualTo(2);
    await().until(() -> agents.heldInventories() == 2);

    int changesBefore = agentChanges.get();
    agents.takeDown("n2");
    await().alias("a broken watch is a change").until(() -> agentChanges.get() > changesBefore);
    await()
        .untilAsserted(
            () ->
                assertThat(run.round(two).failures())
                    .anySatisfy(
                        p -> {
                          assertThat(p.node()).isEqualTo("n2");
                          assertThat(p.reason()).isEqualTo("AgentUnreachable");
                        }));
    assertThat(agents.directInventories.get("n2").get()).isGreaterThan(1);
  }

  @Test
  void aHeldInventoryThatNeverEndsIsGivenUpAndTheAgentAskedDirectly() {
    agents.holdInventories();
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    List<AgentLease> two = nodes("n1", "n2");
    run.round(two);
    await().until(() -> agents.heldInventories() == 2);

    agents.loseHeldInventories("n2");
    agents.finishAllOrders();
    await()
        .alias("n2's completion seen although its held request never ended")
        .atMost(InventoryWatch.UNANSWERED_AFTER_HOLD.multipliedBy(4))
        .until(() -> run.round(two).complete() == 2);
    assertThat(agents.directInventories.get("n2").get()).isGreaterThan(1);
  }

  @Test
  void aPeerThatSentCorruptBytesIsNotAskedForThatBlobAgain() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    agents.complete("liar", digest(LAYER_A), 1000);
    agents.set(
        "n1",
        digest(LAYER_A),
        new BlobState(
            digest(LAYER_A),
            Phase.FAILED,
            0,
            "peer/liar",
            "DigestMismatch",
            "bytes from peer/liar hashed to sha256:0000, not " + digest(LAYER_A)));

    DistributionProgress progress = run.round(nodes("liar", "n1"));

    assertThat(agents.ordersFor("n1")).hasSize(1);
    assertThat(agents.ordersFor("n1").get(0).order().source().label())
        .as("re-fetched elsewhere")
        .isEqualTo("upstream");
    assertThat(progress.failures())
        .anySatisfy(
            p -> {
              assertThat(p.node()).isEqualTo("n1");
              assertThat(p.reason()).isEqualTo("DigestMismatch");
              assertThat(p.message()).contains("peer/liar");
            });
    assertThat(progress.failed()).isEqualTo(1);
    await()
        .untilAsserted(
            () ->
                assertThat(agents.verifications)
                    .as("the liar is asked to re-check its copy")
                    .containsExactly("liar " + digest(LAYER_A)));
  }

  @Test
  void aSourceWhoseCopyRottedDropsItIsRefilledAndCountsCompleteAgain() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    BlobState mismatch =
        new BlobState(
            digest(LAYER_A),
            Phase.FAILED,
            0,
            "peer/rotten",
            "DigestMismatch",
            "bytes from peer/rotten hashed to sha256:0000, not " + digest(LAYER_A));
    agents.rot("rotten", digest(LAYER_A), 1000);
    agents.set("n1", digest(LAYER_A), mismatch);

    DistributionProgress first = run.round(nodes("rotten", "n1"));
    assertThat(first.complete()).as("a suspect copy does not count").isZero();
    await().until(() -> agents.verifications.size() == 1);
    assertThat(agents.verifications).containsExactly("rotten " + digest(LAYER_A));

    run.round(nodes("rotten", "n1"));
    assertThat(agents.verifications).as("the report was handled once").hasSize(1);
    assertThat(agents.ordersFor("rotten"))
        .as("its bad copy is gone, so it is told to fetch the blob again")
        .isNotEmpty();

    agents.finishAllOrders();
    DistributionProgress done = run.round(nodes("rotten", "n1"));
    assertThat(done.complete()).as("the re-fetched copy counts").isEqualTo(2);
  }

  @Test
  void aRelayWhoseOwnCopyChecksOutIsTrustedAgainOnceItReHashedIt() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    // n2 forwarded a corrupt stream while receiving it, then got a good copy from upstream.
    agents.complete("relay", digest(LAYER_A), 1000);
    agents.set(
        "n1",
        digest(LAYER_A),
        new BlobState(
            digest(LAYER_A), Phase.FAILED, 0, "peer/relay", "DigestMismatch", "bad bytes"));

    DistributionProgress suspected = run.round(nodes("relay", "n1"));
    assertThat(suspected.complete()).isZero();
    await().until(() -> agents.verifications.contains("relay " + digest(LAYER_A)));

    agents.finishAllOrders();
    DistributionProgress done = run.round(nodes("relay", "n1"));
    assertThat(done.complete()).as("the re-checked copy counts again").isEqualTo(2);
  }

  @Test
  void aSourceThatKeepsSendingBadBytesWhileItsCopyChecksOutIsWithheldButCounts() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    agents.complete("liar", digest(LAYER_A), 1000);
    List<AgentLease> all = nodes("liar", "n1", "n2");
    String receiver = null;
    for (int strike = 1; strike <= SuspectSources.STRIKES; strike++) {
      receiver = "n" + (1 + strike % 2); // strikes count only when two receivers saw bad bytes
      agents.set(
          receiver,
          digest(LAYER_A),
          new BlobState(digest(LAYER_A), Phase.RECEIVING, 10, "peer/liar", null, null));
      run.round(all);
      agents.set(
          receiver,
          digest(LAYER_A),
          new BlobState(
              digest(LAYER_A), Phase.FAILED, 0, "peer/liar", "DigestMismatch", "bad bytes"));
      assertThat(run.round(all).complete()).as("strike %d: suspect", strike).isZero();
      await()
          .alias("strike " + strike + ": re-checked, its copy counts again")
          .until(() -> run.round(all).complete() == 1);
    }

    DistributionProgress progress = run.progress().orElseThrow();
    assertThat(agents.verifications).hasSize(SuspectSources.STRIKES);
    assertThat(progress.failures())
        .anySatisfy(
            p -> {
              assertThat(p.node()).isEqualTo("liar");
              assertThat(p.blob()).isEqualTo(digest(LAYER_A));
              assertThat(p.reason()).isEqualTo("CorruptSource");
              assertThat(p.message()).contains(SuspectSources.STRIKES + " times");
            });
    List<Received> toReceiver = agents.ordersFor(receiver);
    assertThat(toReceiver.get(toReceiver.size() - 1).order().source().label())
        .as("the receiver is moved off the withheld source")
        .isNotEqualTo("peer/liar");
    assertThat(agents.orders)
        .filteredOn(r -> r.sequence() > toReceiver.get(toReceiver.size() - 1).sequence())
        .extracting(r -> r.order().source().label())
        .doesNotContain("peer/liar");
  }

  @ParameterizedTest(name = "relay at {0} of 3000 bytes after 10 s, the fastest node done in 10 s")
  @CsvSource({"600, true", "1500, false"})
  void theReceiversOfARelayFarSlowerThanTheFastestNodeMoveToAHolder(long relayed, boolean moved) {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-04T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_B)), clock);
    String blob = digest(LAYER_B);
    receiving("fast", blob, 0, "upstream");
    receiving("slow", blob, 0, "peer/fast");
    receiving("child", blob, 0, "peer/slow");
    List<AgentLease> all = nodes("fast", "slow", "child");
    run.round(all);
    assertThat(agents.orders).as("all three transfers stay as they are").isEmpty();

    clock.advance(Duration.ofSeconds(10));
    agents.complete("fast", blob, 3000);
    receiving("slow", blob, relayed, "peer/fast");
    receiving("child", blob, relayed - 100, "peer/slow");
    run.round(all);

    assertThat(agents.ordersFor("slow")).as("the relay's own transfer goes on").isEmpty();
    if (moved) {
      assertThat(agents.ordersFor("child"))
          .extracting(r -> r.order().source().label())
          .containsExactly("peer/fast");
    } else {
      assertThat(agents.ordersFor("child")).isEmpty();
    }
  }

  @ParameterizedTest(name = "the seed of B at {0} of 3000 bytes after 10 s, A's at 900 of 1000")
  @CsvSource({"100, true", "400, false"})
  void aSeedFarSlowerThanTheOthersHandsTheRegistryStreamToAnotherNode(
      long fetched, boolean handedOver) {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-04T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)), clock);
    String a = digest(LAYER_A);
    String b = digest(LAYER_B);
    receiving("fast", a, 0, "upstream");
    receiving("fast", b, 0, "peer/slow");
    receiving("slow", b, 0, "upstream");
    receiving("slow", a, 0, "peer/fast");
    receiving("other", a, 0, "peer/fast");
    receiving("other", b, 0, "peer/slow");
    List<AgentLease> all = nodes("fast", "slow", "other");
    run.round(all);
    assertThat(agents.orders).as("every transfer stays as it is").isEmpty();

    clock.advance(Duration.ofSeconds(10));
    receiving("fast", a, 900, "upstream");
    receiving("fast", b, fetched - 50, "peer/slow");
    receiving("slow", b, fetched, "upstream");
    // Slow in everything it takes in, the mark of its own link rather than its tree's pace.
    receiving("slow", a, fetched, "peer/fast");
    receiving("other", a, 800, "peer/fast");
    receiving("other", b, fetched - 50, "peer/slow");
    run.round(all);

    if (!handedOver) {
      assertThat(agents.orders).isEmpty();
      return;
    }
    assertThat(agents.orders)
        .filteredOn(r -> r.order().digest().equals(a))
        .as("A's transfers stay; only the slow node is told its source no longer keeps pace")
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.node()).isEqualTo("slow");
              assertThat(r.order().source().label()).isEqualTo("peer/fast");
              assertThat(r.order().slowReceiver()).isTrue();
            });
    assertThat(agents.orders)
        .filteredOn(r -> r.order().source().label().equals("upstream"))
        .extracting(Received::node)
        .as("another node fetches B from the registry")
        .singleElement()
        .isNotEqualTo("slow");
    assertThat(agents.ordersFor("slow"))
        .filteredOn(r -> r.order().digest().equals(b))
        .extracting(r -> r.order().source().label())
        .as("the slow seed receives B from a peer, continuing where it is")
        .singleElement()
        .asString()
        .startsWith("peer/");
    assertThat(agents.orders)
        .extracting(r -> r.order().source().label())
        .as("no one is sent to the slow seed")
        .doesNotContain("peer/slow");
    assertThat(agents.orders).extracting(Received::node).contains("fast", "other");
  }

  @Test
  void aSlowSeedsRegistryStreamGoesToANodeThatTakesInAsFastAsTheRest() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-04T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)), clock);
    String a = digest(LAYER_A);
    String b = digest(LAYER_B);
    receiving("fast", a, 0, "upstream");
    receiving("fast", b, 0, "peer/slow");
    receiving("slow", b, 0, "upstream");
    receiving("slow", a, 0, "peer/fast");
    // First in line to take B over (it carries a receiver of its own), but as slow as its source.
    receiving("slow-relay", b, 0, "peer/slow");
    receiving("slow-relay", a, 0, "peer/fast");
    receiving("its-child", b, 0, "peer/slow-relay");
    receiving("its-child", a, 0, "peer/fast");
    receiving("other", a, 0, "peer/fast");
    receiving("other", b, 0, "peer/slow");
    List<AgentLease> all = nodes("fast", "slow", "slow-relay", "its-child", "other");
    run.round(all);

    clock.advance(Duration.ofSeconds(10));
    receiving("fast", a, 900, "upstream");
    receiving("fast", b, 50, "peer/slow");
    receiving("slow", b, 100, "upstream");
    receiving("slow", a, 100, "peer/fast");
    receiving("slow-relay", b, 60, "peer/slow");
    receiving("slow-relay", a, 100, "peer/fast");
    receiving("its-child", b, 50, "peer/slow-relay");
    receiving("its-child", a, 800, "peer/fast");
    receiving("other", a, 800, "peer/fast");
    receiving("other", b, 50, "peer/slow");
    run.round(all);

    assertThat(agents.orders)
        .filteredOn(r -> r.order().source().label().equals("upstream"))
        .extracting(Received::node)
        .as("B is fetched from the registry by a node taking in as fast as the median")
        .singleElement()
        .isIn("fast", "other", "its-child");
    assertThat(agents.orders)
        .extracting(r -> r.order().source().label())
        .as("no one is sent to the slow nodes, nor left with one")
        .doesNotContain("peer/slow", "peer/slow-relay");
    assertThat(agents.ordersFor("its-child"))
        .as("the slow relay's receiver moves though no node holds B yet")
        .isNotEmpty();
    assertThat(agents.ordersFor("slow"))
        .as("the slow seed asks its new source not to keep pace with it")
        .isNotEmpty()
        .allMatch(r -> r.order().slowReceiver());
    assertThat(agents.orders)
        .filteredOn(r -> !r.node().startsWith("slow"))
        .isNotEmpty()
        .noneMatch(r -> r.order().slowReceiver());
  }

  @Test
  void aNodeMeasuredSlowRelaysNothingOnceTheRegistryStreamFeedsOthersThoughNoneHoldsTheBlob() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-05T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)), clock);
    String a = digest(LAYER_A);
    String b = digest(LAYER_B);
    List<AgentLease> all = slowNodeTenSecondsIn(run, clock, a, b);
    run.round(all);

    assertThat(agents.ordersFor("child"))
        .as("the slow node's receiver continues from a node the registry stream feeds")
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.order().digest()).isEqualTo(b);
              assertThat(r.order().source().label()).isIn("peer/seed", "peer/other");
            });
    assertThat(agents.orders)
        .extracting(r -> r.order().source().label())
        .as("the registry sends nothing twice, and no one is sent to the slow node")
        .doesNotContain("upstream", "peer/slow");
    assertThat(agents.ordersFor("slow"))
        .as("its own transfers go on from the same source, which no longer keeps pace with it")
        .allSatisfy(
            r -> {
              assertThat(r.order().source().label()).isEqualTo("peer/seed");
              assertThat(r.order().slowReceiver()).isTrue();
            })
        .extracting(r -> r.order().digest())
        .containsExactlyInAnyOrder(a, b);

    agents.orders.clear();
    run.round(all);
    assertThat(agents.ordersFor("slow")).as("told once").isEmpty();
  }

  @Test
  void reOrdersThatDidNotReachASlowNodeGoOutNextRound() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-05T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)), clock);
    String a = digest(LAYER_A);
    String b = digest(LAYER_B);
    List<AgentLease> all = slowNodeTenSecondsIn(run, clock, a, b);
    agents.refuseOrders("slow");
    run.round(all);
    assertThat(agents.ordersFor("slow")).isEmpty();

    agents.acceptOrders("slow");
    run.round(all);

    assertThat(agents.ordersFor("slow"))
        .allMatch(r -> r.order().slowReceiver())
        .extracting(r -> r.order().digest())
        .containsExactlyInAnyOrder(a, b);
  }

  /**
   * The seed fetches A and B from the registry; slow receives both from it, and child B from slow;
   * 10 s in, slow has taken in a ninth of what the others have, which measures it slow at the next
   * round.
   */
  private List<AgentLease> slowNodeTenSecondsIn(
      DistributionRun run, ManualClock clock, String a, String b) {
    receiving("seed", b, 0, "upstream");
    receiving("seed", a, 0, "upstream");
    receiving("slow", b, 0, "peer/seed");
    receiving("slow", a, 0, "peer/seed");
    receiving("child", b, 0, "peer/slow");
    receiving("child", a, 0, "peer/seed");
    receiving("other", b, 0, "peer/seed");
    receiving("other", a, 0, "peer/seed");
    List<AgentLease> all = nodes("seed", "slow", "child", "other");
    run.round(all);

    clock.advance(Duration.ofSeconds(10));
    receiving("seed", b, 900, "upstream");
    receiving("seed", a, 900, "upstream");
    receiving("slow", b, 100, "peer/seed");
    receiving("slow", a, 100, "peer/seed");
    receiving("child", b, 90, "peer/slow");
    receiving("child", a, 800, "peer/seed");
    receiving("other", b, 800, "peer/seed");
    receiving("other", a, 800, "peer/seed");
    return all;
  }

  @Test
  void aSeedSlowWhileNothingHeldItBackHandsOverThoughItsNodeTakesInAsFastAsTheRest() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-05T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)), clock);
    String a = digest(LAYER_A);
    String b = digest(LAYER_B);
    fetching("fast", a, 0, 0);
    receiving("fast", b, 0, "peer/seed");
    fetching("seed", b, 0, 0);
    receiving("seed", a, 0, "peer/fast");
    receiving("other", a, 0, "peer/fast");
    receiving("other", b, 0, "peer/seed");
    List<AgentLease> all = nodes("fast", "seed", "other");
    run.round(all);

    clock.advance(Duration.ofSeconds(10));
    fetching("fast", a, 900, 0);
    receiving("fast", b, 90, "peer/seed");
    fetching("seed", b, 100, 0);
    // It takes in A as fast as the others: only its registry stream is slow.
    receiving("seed", a, 900, "peer/fast");
    receiving("other", a, 900, "peer/fast");
    receiving("other", b, 90, "peer/seed");
    run.round(all);

    assertThat(agents.orders)
        .filteredOn(r -> r.order().source().label().equals("upstream"))
        .extracting(Received::node)
        .as("another node fetches B from the registry")
        .singleElement()
        .isNotEqualTo("seed");
  }

  @Test
  void aNodeMeasuredSlowHandsOverARegistryStreamAtOnce() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-05T12:00:00Z"));
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)), clock);
    String a = digest(LAYER_A);
    String b = digest(LAYER_B);
    fetching("fast", a, 0, 0);
    receiving("slow", a, 0, "peer/fast");
    receiving("other", a, 0, "peer/fast");
    List<AgentLease> all = nodes("fast", "slow", "other");
    run.round(all);
    agents.orders.clear();

    // 10 s in, slow takes in at a tenth of the others' rate, and has just taken over fetching B
    // (as it would from a slow seed): too new to be judged as a seed.
    clock.advance(Duration.ofSeconds(10));
    fetching("fast", a, 900, 0);
    receiving("slow", a, 90, "peer/fast");
    receiving("other", a, 900, "peer/fast");
    fetching("slow", b, 10, 0);
    receiving("fast", b, 5, "peer/slow");
    receiving("other", b, 5, "peer/slow");
    run.round(all);

    assertThat(agents.orders)
        .filteredOn(r -> r.order().digest().equals(b))
        .filteredOn(r -> r.order().source().label().equals("upstream"))
        .extracting(Received::node)
        .as("a node taking in as fast as the median fetches B from the registry instead")
        .singleElement()
        .isIn("fast", "other");
    assertThat(agents.ordersFor("slow"))
        .filteredOn(r -> r.order().digest().equals(b))
        .extracting(r -> r.order().source().label())
        .as("the slow node receives B from a peer, continuing where it is")
        .singleElement()
        .asString()
        .startsWith("peer/");
    assertThat(agents.ordersFor("slow"))
        .filteredOn(r -> r.order().digest().equals(a))
        .as("A goes on from fast, which no longer keeps pace with it")
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.order().source().label()).isEqualTo("peer/fast");
              assertThat(r.order().slowReceiver()).isTrue();
            });
  }

  /** A node fetching from the registry whose agent reports how long it held the stream back. */
  private void fetching(String node, String blob, long received, long heldMillis) {
    agents.set(
        node,
        blob,
        new BlobState(blob, Phase.RECEIVING, received, "upstream", null, null, heldMillis));
  }

  private void receiving(String node, String blob, long received, String source) {
    agents.set(node, blob, new BlobState(blob, Phase.RECEIVING, received, source, null, null));
  }

  @Test
  void aReceiverMovedUnderARelayStillReceivingIsToldAtOnce() throws Exception {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)));
    String a = digest(LAYER_A);
    agents.complete("holder", a, 1000);
    List<String> names = new java.util.ArrayList<>(List.of("holder", "moved"));
    for (int i = 0; i < 5; i++) {
      receiving("relay-" + i, a, 100, "peer/holder");
      names.add("relay-" + i);
    }
    // Its relay left; the holder has no room left, so it goes under one of the relays.
    receiving("moved", a, 0, "peer/gone");
    agents.complete("moved", digest(LAYER_B), 3000);
    // Layer B is new to the others: its seed's call is one of the round's first, and it is silent.
    agents.holdAnswersOfSeedsOf(digest(LAYER_B));
    ExecutorService round = Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.Future<DistributionProgress> progress =
          round.submit(() -> run.round(nodes(names.toArray(String[]::new))));

      Received moved =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      agents.ordersFor("moved").stream()
                          .filter(r -> r.order().digest().equals(a))
                          .findFirst(),
                  Optional::isPresent)
              .orElseThrow();
      assertThat(moved.order().source().node())
          .as("the moved node's relay was told long ago: it is told without waiting for any call")
          .startsWith("relay-");
      agents.answerSeeds();
      progress.get(10, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      agents.answerSeeds();
      round.shutdownNow();
    }
  }

  @Test
  void anAgentSlowToAnswerHoldsUpOnlyTheOrdersBelowIt() throws Exception {
    // Two trees on disjoint nodes: layer A for the amd64 nodes, layer B for the arm64 ones.
    String arm64 = "linux/arm64";
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A), arm64, List.of(LAYER_B)));
    List<AgentLease> nodes = new java.util.ArrayList<>(nodes("a1", "a2", "a3", "a4"));
    for (String name : List.of("b1", "b2", "b3", "b4")) {
      nodes.add(FakeAgents.lease(name, arm64));
    }
    agents.holdAnswersOfSeedsOf(digest(LAYER_A));
    ExecutorService round = Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.Future<DistributionProgress> progress =
          round.submit(() -> run.round(nodes));
      String slowSeed = seedOf(LAYER_A);
      String otherSeed = seedOf(LAYER_B);

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(agents.orders)
                      .as("peers of the seed that answered are told while the other is silent")
                      .anyMatch(r -> r.order().source().label().equals("peer/" + otherSeed)));
      assertThat(agents.orders)
          .as("nobody is told to fetch from the seed before it answered")
          .noneMatch(r -> r.order().source().label().equals("peer/" + slowSeed));
      agents.answerSeeds();
      progress.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(agents.orders)
          .anyMatch(r -> r.order().source().label().equals("peer/" + slowSeed));
    } finally {
      agents.answerSeeds();
      round.shutdownNow();
    }
  }

  private String seedOf(WantedBlob blob) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                agents.orders.stream()
                    .filter(
                        r ->
                            r.order().source().fromUpstream()
                                && r.order().digest().equals(digest(blob)))
                    .map(Received::node)
                    .findFirst(),
            Optional::isPresent)
        .orElseThrow();
  }

  @Test
  void aReceiverWhoseSourceIsGoneContinuesFromANodeAheadOfIt() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_B)));
    String blob = digest(LAYER_B);
    agents.complete("holder", blob, 3000);
    List<String> names = new java.util.ArrayList<>(List.of("holder", "moved", "ahead"));
    for (int i = 0; i < 5; i++) {
      receiving("behind-" + i, blob, 100, "peer/holder");
      names.add("behind-" + i);
    }
    receiving("ahead", blob, 2500, "peer/holder");
    // Its relay left the cluster 2000 bytes in.
    receiving("moved", blob, 2000, "peer/gone");

    run.round(nodes(names.toArray(String[]::new)));

    assertThat(agents.ordersFor("moved"))
        .extracting(r -> r.order().source().label())
        .as("the reported bytes reach the planner: a relay 100 bytes in would send nothing")
        .containsExactly("peer/ahead");
  }

  @Test
  void reChecksThatTakeLongDoNotHoldUpTheRounds() throws Exception {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    agents.holdVerifications();
    List<String> names = new java.util.ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      agents.complete("source" + i, digest(LAYER_A), 1000);
      agents.set(
          "n" + i,
          digest(LAYER_A),
          new BlobState(
              digest(LAYER_A), Phase.FAILED, 0, "peer/source" + i, "DigestMismatch", "bad"));
      names.add("source" + i);
      names.add("n" + i);
    }
    List<AgentLease> all = nodes(names.toArray(String[]::new));
    ExecutorService ticker = Executors.newSingleThreadExecutor();
    try {
      // More suspects than the rounds' pool has threads, every re-check still hashing.
      java.util.concurrent.Future<DistributionProgress> first = ticker.submit(() -> run.round(all));
      await().until(first::isDone);
      java.util.concurrent.Future<DistributionProgress> second =
          ticker.submit(() -> run.round(all));
      await().until(second::isDone);
      await().until(() -> !agents.verifications.isEmpty());
      assertThat(second.get().desired()).isEqualTo(12);
    } finally {
      agents.releaseVerifications();
      ticker.shutdownNow();
    }
  }

  @Test
  void progressCountsCompleteNodesBytesAndTheFinish() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A, LAYER_B)));
    agents.counters("n1", 100, 0);
    agents.counters("n2", 0, 0);
    run.round(nodes("n1", "n2"));
    agents.finishAllOrders();
    agents.counters("n1", 100 + 4000, 0);
    agents.counters("n2", 0, 4000);

    DistributionProgress done = run.round(nodes("n1", "n2"));

    assertThat(done.isComplete()).isTrue();
    assertThat(done.completeByImage()).containsEntry(IMAGE, 2);
    assertThat(done.percent()).isEqualTo(100);
    assertThat(done.bytesWanted()).isEqualTo(2 * 4000);
    assertThat(done.bytesFromUpstream()).as("counted from the run's start").isEqualTo(4000);
    assertThat(done.bytesFromPeers()).isEqualTo(4000);
    assertThat(done.finished()).isPresent();
  }

  @Test
  void anAgentThatDoesNotAnswerIsReportedAndPlannedAround() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));
    agents.takeDown("n2");

    DistributionProgress progress = run.round(nodes("n1", "n2", "n3"));

    assertThat(progress.desired()).isEqualTo(3);
    assertThat(progress.failed()).isEqualTo(1);
    assertThat(agents.ordersFor("n2")).isEmpty();
    assertThat(agents.orders).noneMatch(r -> "n2".equals(r.order().source().node()));
    assertThat(progress.failures())
        .anySatisfy(p -> assertThat(p.reason()).isEqualTo("AgentUnreachable"));
  }

  @Test
  void nodesOfAPlatformNoImageProvidesGetNothingAndAreNamed() {
    DistributionRun run = run(Map.of(AMD64, List.of(LAYER_A)));

    DistributionProgress progress =
        run.round(List.of(FakeAgents.lease("n1", AMD64), FakeAgents.lease("pi", "linux/arm64")));

    assertThat(progress.desired()).isEqualTo(1);
    assertThat(agents.ordersFor("pi")).isEmpty();
    assertThat(progress.failures())
        .anySatisfy(
            p -> {
              assertThat(p.node()).isEqualTo("pi");
              assertThat(p.reason()).isEqualTo("PlatformNotProvided");
            });
  }

  @Test
  void aLayerTwoPlatformsShareIsFetchedUpstreamOnceAndPassedAcrossPlatforms() {
    String arm64 = "linux/arm64";
    WantedBlob amd64Only = blob("amd64 runtime", 2000);
    WantedBlob arm64Only = blob("arm64 runtime", 2000);
    DistributionRun run =
        run(Map.of(AMD64, List.of(amd64Only, LAYER_A), arm64, List.of(arm64Only, LAYER_A)));
    List<AgentLease> mixed =
        List.of(
            FakeAgents.lease("x1", AMD64),
            FakeAgents.lease("x2", AMD64),
            FakeAgents.lease("a1", arm64),
            FakeAgents.lease("a2", arm64));

    run.round(mixed);

    List<Received> shared =
        agents.orders.stream().filter(r -> r.order().digest().equals(digest(LAYER_A))).toList();
    assertThat(shared).extracting(Received::node).containsExactlyInAnyOrder("x1", "x2", "a1", "a2");
    assertThat(shared)
        .filteredOn(r -> r.order().source().fromUpstream())
        .as("one seed for the shared layer, whatever the platforms")
        .hasSize(1);
    assertThat(agents.orders)
        .filteredOn(r -> r.order().digest().equals(digest(amd64Only)))
        .extracting(Received::node)
        .containsExactlyInAnyOrder("x1", "x2");
    assertThat(agents.orders)
        .filteredOn(r -> r.order().digest().equals(digest(arm64Only)))
        .extracting(Received::node)
        .containsExactlyInAnyOrder("a1", "a2");

    agents.finishAllOrders();
    DistributionProgress done = run.round(mixed);
    assertThat(done.complete()).isEqualTo(4);
    assertThat(done.bytesWanted()).isEqualTo(4 * 3000);
  }

  @Test
  void singlePlatformImagesGoToEveryNode() {
    DistributionRun run = run(Map.of(DistributionTarget.ANY_PLATFORM, List.of(LAYER_A)));

    DistributionProgress progress =
        run.round(List.of(FakeAgents.lease("n1", AMD64), FakeAgents.lease("pi", "linux/arm64")));

    assertThat(progress.desired()).isEqualTo(2);
    assertThat(agents.ordersFor("pi")).hasSize(1);
  }
}
