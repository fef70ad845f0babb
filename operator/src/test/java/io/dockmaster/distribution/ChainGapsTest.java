package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.MIB;
import static io.dockmaster.distribution.PlanFixtures.digest;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChainGapsTest {

  private static final long BLOB = 40 * MIB;
  private static final List<Digest> SEQUENCE =
      IntStream.range(0, 40).mapToObj(PlanFixtures::digest).toList();
  private static final Instant START = Instant.parse("2026-12-06T00:00:00Z");

  private final ChainGaps gaps = new ChainGaps("mirror");

  @Test
  void aNodeThatFallsFurtherAndFurtherBehindItsSourceIsFound() {
    // b takes in 2 MiB/s from a, which goes on at 12 MiB/s through the blobs of the sequence; c
    // takes in all b has.
    for (int second = 0; second <= 8; second++) {
      Map<String, NodeHoldings> round =
          Map.of(
              "a", chainNode("a", second * 12 * MIB, "seed"),
              "b", chainNode("b", second * 2 * MIB + MIB, "a"),
              "c", chainNode("c", second * 2 * MIB, "b"));

      Set<String> behind = gaps.judge(round, Set.of("a", "b", "c"), at(second));

      // 10 MiB further behind every second: 50 MiB after the 5 s it takes to judge
      assertThat(behind).as("after %d s", second).isEqualTo(second >= 5 ? Set.of("b") : Set.of());
    }
  }

  @Test
  void aNodeThatKeepsUpIsNotFoundHoweverLongItRuns() {
    for (int second = 0; second <= 120; second++) {
      // a few MiB behind, more or less, as relay pacing and rounds have it
      long behindNow = (second % 3) * 4 * MIB;
      assertThat(
              sourceAndNode(
                  second * 12 * MIB + 4 * MIB, second * 12 * MIB - behindNow + 4 * MIB, second))
          .as("after %d s", second)
          .isEmpty();
    }
  }

  @Test
  void aNodeIsJudgedOnlyInARoundThatSawItsHoldingsMove() {
    sourceAndNode(10 * MIB, 9 * MIB, 0);

    // b's last report may be six seconds old: it looks 110 MiB behind but may not be.
    assertThat(sourceAndNode(120 * MIB, 9 * MIB, 6)).isEmpty();

    // Its next report says it took in 59 MiB meanwhile, under half of a's 120.
    assertThat(sourceAndNode(130 * MIB, 68 * MIB, 7)).containsExactly("b");
  }

  @Test
  void aSourceIsCountedAtWhatItHadAtLeastSoAnOldReportOfItOnlyDelaysAFinding() {
    sourceAndNode(10 * MIB, 9 * MIB, 0);
    for (int second = 1; second <= 9; second++) {
      // a's last report is from second 1; it may hold 100 MiB more by now, or not.
      assertThat(sourceAndNode(20 * MIB, (9 + second) * MIB, second))
          .as("after %d s", second)
          .isEmpty();
    }

    assertThat(sourceAndNode(120 * MIB, 19 * MIB, 10))
        .as("a took in 110 MiB in 10 s, b 10 MiB")
        .containsExactly("b");
  }

  @Test
  void aNodeCatchingUpOnANewSourceFarAheadIsNotFound() {
    // c was behind a slow b; it now receives from a, which holds the whole sequence.
    for (int second = 0; second <= 30; second++) {
      Map<String, NodeHoldings> round =
          Map.of(
              "a", chainNode("a", SEQUENCE.size() * BLOB, "seed"),
              "c", chainNode("c", 20 * MIB + second * 5 * MIB, "a"));

      assertThat(gaps.judge(round, Set.of("a", "c"), at(second)))
          .as("after %d s", second)
          .isEmpty();
    }
  }

  @Test
  void aGapGrowingSlowerThanAWindowAllowsIsNotAFinding() {
    // b is a tenth slower than a: 24 MiB further behind in a 20 s window, a tenth of what a took.
    for (int second = 0; second <= 120; second++) {
      assertThat(sourceAndNode(second * 12 * MIB, second * 108 * MIB / 10, second))
          .as("after %d s", second)
          .isEmpty();
    }
  }

  @Test
  void aNodeIsSlowAtUnderHalfItsSourcesRateAndNotAtOverHalf() {
    assertThat(firstFinding(12 * MIB, 54 * MIB / 10))
        .as("at 0.45 of its source's rate")
        .hasValue(5);
    assertThat(firstFinding(12 * MIB, 6 * MIB)).as("at half, as a relay is not").isEmpty();
    assertThat(firstFinding(12 * MIB, 66 * MIB / 10)).as("at 0.55").isEmpty();
  }

  @Test
  void onSlowLinksANodeMustFallSixteenMiBBehindWithinAWindow() {
    // A fifth of its source's 1 MiB/s: 0.8 MiB further behind every second.
    assertThat(firstFinding(MIB, MIB / 5)).hasValue(20);
  }

  /**
   * The second a node taking in {@code rate} from a source taking in {@code sourceRate} is found.
   */
  private Optional<Integer> firstFinding(long sourceRate, long rate) {
    ChainGaps fresh = new ChainGaps("mirror");
    for (int second = 0; second <= 30; second++) {
      Map<String, NodeHoldings> round =
          Map.of(
              "a", chainNode("a", MIB + second * sourceRate, "seed"),
              "b", chainNode("b", MIB + second * rate, "a"));
      if (!fresh.judge(round, Set.of("a", "b"), at(second)).isEmpty()) {
        return Optional.of(second);
      }
    }
    return Optional.empty();
  }

  @Test
  void aNodeTwoThirdsAsFastAsItsSourceIsNotAFindingHoweverManyMiBItFallsBehind() {
    // On fast links any small difference of rates adds up to many MiB within a window.
    for (int second = 0; second <= 10; second++) {
      assertThat(sourceAndNode(5 * MIB + second * 15 * MIB, 4 * MIB + second * 10 * MIB, second))
          .as("after %d s", second)
          .isEmpty();
    }
  }

  @Test
  void aNodeHeldBackByTheSlowNodeAfterItIsNotFoundForThatNodesPace() {
    for (int second = 0; second <= 10; second++) {
      // b waits for c, its relay, for most of every second, and its source a runs ahead.
      NodeHoldings b = chainNode("b", MIB + second * 2 * MIB, "a");
      b.heldBackMillis.put(SEQUENCE.get(0), second * 800L);
      Map<String, NodeHoldings> round =
          Map.of(
              "a", chainNode("a", MIB + second * 12 * MIB, "seed"),
              "b", b,
              "c", chainNode("c", second * 2 * MIB, "b"));

      assertThat(gaps.judge(round, Set.of("a", "b", "c"), at(second)))
          .as("after %d s", second)
          .isEmpty();
    }
  }

  @Test
  void twoNodesSharingTheirSourcesUploadAreNotFoundThoughBothFallBehind() {
    // After a slow node was found, the node after it and the slow one both take from the node
    // before it: each gets part of its upload while it goes on at full rate.
    for (int second = 0; second <= 10; second++) {
      Map<String, NodeHoldings> round =
          Map.of(
              "a", chainNode("a", second * 12 * MIB, "seed"),
              "slow", chainNode("slow", second * 2 * MIB + MIB, "a"),
              "next", chainNode("next", second * 6 * MIB + MIB, "a"));

      assertThat(gaps.judge(round, Set.of("a", "slow", "next"), at(second)))
          .as("after %d s", second)
          .isEmpty();
    }
  }

  @Test
  void aSourceThatLostBytesAndTakesThemInAgainIsNotAheadOfTheNode() {
    sourceAndNode(100 * MIB, 90 * MIB, 0);
    // a restarted and deleted its partial blob: it is behind b now, which gets nothing new from it
    // until it is ahead again.
    sourceAndNode(40 * MIB, 92 * MIB, 6);

    assertThat(sourceAndNode(100 * MIB, 96 * MIB, 12))
        .as("a is 4 MiB ahead of b, from 52 MiB behind it")
        .isEmpty();
  }

  @Test
  void nodesThatWantDifferentBlobsAreNotCompared() {
    NodeHoldings otherPlatform = chainNode("b", MIB, "a");
    otherPlatform.wantedUnits.add(digest(999));
    sourceAndNode(0, otherPlatform, 0);
    NodeHoldings later = chainNode("b", 11 * MIB, "a");
    later.wantedUnits.add(digest(999));

    assertThat(sourceAndNode(150 * MIB, later, 10)).isEmpty();
  }

  @Test
  void onlyNodesOfAChainAreJudged() {
    gaps.judge(
        Map.of("a", chainNode("a", 0, "seed"), "b", chainNode("b", MIB, "a")), Set.of(), at(0));

    assertThat(
            gaps.judge(
                Map.of("a", chainNode("a", 150 * MIB, "seed"), "b", chainNode("b", 11 * MIB, "a")),
                Set.of(),
                at(10)))
        .isEmpty();
  }

  @Test
  void aNodeFoundBehindStaysFoundForTheRun() {
    sourceAndNode(0, MIB, 0);
    sourceAndNode(100 * MIB, 11 * MIB, 8);

    // Last in the chain now, it receives from a node behind it and looks like any other.
    assertThat(
            gaps.judge(
                Map.of("a", chainNode("a", 160 * MIB, "seed"), "b", chainNode("b", 31 * MIB, "z")),
                Set.of("a", "b"),
                at(16)))
        .containsExactly("b");
  }

  /** A round of a two-node chain: a, which takes in from the registry, and b from a. */
  private Set<String> sourceAndNode(long sourceHeld, long held, int second) {
    return sourceAndNode(sourceHeld, chainNode("b", held, "a"), second);
  }

  private Set<String> sourceAndNode(long sourceHeld, NodeHoldings node, int second) {
    return gaps.judge(
        Map.of("a", chainNode("a", sourceHeld, "seed"), "b", node), Set.of("a", "b"), at(second));
  }

  /**
   * A node of a chain with {@code held} bytes of {@link #SEQUENCE}, receiving the blob it is
   * partway through from {@code source} ("seed" for the registry).
   */
  static NodeHoldings chainNode(String name, long held, String source) {
    NodeHoldings node = new NodeHoldings();
    node.held = held;
    long left = held;
    for (Digest blob : SEQUENCE) {
      long got = Math.min(left, BLOB);
      left -= got;
      node.wantedUnits.add(blob);
      if (got == BLOB) {
        node.complete.add(blob);
      } else if (got > 0 || node.receiving.isEmpty()) {
        node.receiving.put(blob, source.equals("seed") ? Source.UPSTREAM : Source.peer(source));
        node.received.put(blob, got);
      }
    }
    return node;
  }

  private static Instant at(int second) {
    return START.plus(Duration.ofSeconds(second));
  }
}
