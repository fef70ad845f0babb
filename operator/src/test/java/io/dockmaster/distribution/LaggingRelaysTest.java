package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.BlobState.Phase;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LaggingRelaysTest {

  private static final Digest BLOB = Digest.sha256(new byte[] {1});
  private static final long SIZE = 100_000_000;
  private static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");
  private static final Source PARENT = Source.peer("parent");

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final LaggingRelays relays =
      new LaggingRelays("mirror", new DistributionMetrics(meters), Digest::shortForm);

  /** What a report said, from an agent that does not say how long it held its source back. */
  private void observe(
      String node,
      Digest digest,
      Phase phase,
      long received,
      long size,
      Source source,
      Instant now) {
    relays.observe(node, digest, phase, received, size, source, null, now);
  }

  /** The fastest node gets the blob whole in 10 s: 10 MB/s. */
  private void fastNodeTakes10Seconds() {
    observe("fast", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    observe("fast", BLOB, Phase.COMPLETE, SIZE, SIZE, PARENT, T0.plusSeconds(10));
  }

  private static final Digest OTHER = Digest.sha256(new byte[] {2});

  /** Each node takes in {@code bytes} of all its blobs together in the 10 s after T0. */
  private void takeIn(long bytes, String... nodes) {
    for (String node : nodes) {
      relays.observeHeld(node, 0, T0);
      relays.observeHeld(node, bytes, T0.plusSeconds(10));
    }
  }

  /** Another blob's seed fetches 50 MB in 10 s from the registry: 5 MB/s. */
  private void fastSeedFetches5MegabytesPerSecond() {
    observe("fast-seed", OTHER, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, T0);
    observe(
        "fast-seed", OTHER, Phase.RECEIVING, 50_000_000, SIZE, Source.UPSTREAM, T0.plusSeconds(10));
  }

  @Test
  void aSeedFetchingAtUnderAThirdOfTheFastestSeedsRateIsSlowForGood() {
    observe("slow-seed", BLOB, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, T0);
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "receiver");
    takeIn(20_000_000, "slow-seed");
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("slow-seed", BLOB, 16_000_000, true, T0.plusSeconds(10)))
        .as("1.6 MB/s against 5")
        .isTrue();
    assertThat(meters.get("dockmaster.distribution.slow.seeds").counter().count()).isEqualTo(1.0);
    // Moved to a peer, it stays withheld: it relays the blob no faster than it fetched it.
    observe("slow-seed", BLOB, Phase.RECEIVING, 20_000_000, SIZE, PARENT, T0.plusSeconds(11));
    assertThat(relays.isLagging("slow-seed", BLOB, 20_000_000, false, T0.plusSeconds(11))).isTrue();
  }

  @Test
  void aChainsOneSeedIsNotJudgedAgainstItsOwnEarlierBlob() {
    // It fetched the other blob at 5 MB/s; this one comes at 1.6 MB/s while the blob before it
    // leaves its link.
    // Its agent reports holding back, never: the rates are its own.
    relays.observe("seed", OTHER, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, 0L, T0);
    relays.observe(
        "seed", OTHER, Phase.RECEIVING, 50_000_000, SIZE, Source.UPSTREAM, 0L, T0.plusSeconds(10));
    relays.observe("seed", OTHER, Phase.COMPLETE, SIZE, SIZE, null, null, T0.plusSeconds(10));
    relays.observe("seed", BLOB, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, 0L, T0.plusSeconds(10));

    assertThat(relays.isLagging("seed", BLOB, 16_000_000, true, T0.plusSeconds(20))).isFalse();
  }

  @Test
  void amongManySeedsASeedIsJudgedAgainstTheMedianNotTheFastest() {
    // Seeds of five pieces sharing the registry, each from an agent that reports holding back.
    double[] megabytesPerSecond = {0.9, 0.6, 0.5, 0.27, 0.15};
    for (int i = 0; i < megabytesPerSecond.length; i++) {
      Digest piece = Digest.sha256(new byte[] {9, (byte) i});
      long received = (long) (megabytesPerSecond[i] * 10_000_000);
      relays.observe("seed-" + i, piece, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, 0L, T0);
      relays.observe(
          "seed-" + i,
          piece,
          Phase.RECEIVING,
          received,
          SIZE,
          Source.UPSTREAM,
          0L,
          T0.plusSeconds(10));
    }

    assertThat(
            relays.isLagging(
                "seed-3", Digest.sha256(new byte[] {9, 3}), 2_700_000, true, T0.plusSeconds(10)))
        .as("0.27 MB/s: under a third of the fastest's 0.9, but not of the others' median 0.6")
        .isFalse();
    assertThat(
            relays.isLagging(
                "seed-4", Digest.sha256(new byte[] {9, 4}), 1_500_000, true, T0.plusSeconds(10)))
        .as("0.15 MB/s, under a third of the others' median 0.6")
        .isTrue();
  }

  @Test
  void aSeedAtAThirdOfTheFastestSeedsRateOrMoreIsNot() {
    observe("seed", BLOB, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, T0);
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "receiver");
    takeIn(20_000_000, "seed");
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("seed", BLOB, 17_000_000, true, T0.plusSeconds(10))).isFalse();
    assertThat(meters.get("dockmaster.distribution.slow.seeds").counter().count()).isZero();
  }

  @Test
  void aSeedWhoseNodeTakesInItsOtherBlobsAsFastAsTheRestIsNotSlow() {
    // Its tree is held to a slow receiver's pace, not its own link.
    observe("held-seed", BLOB, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, T0);
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "receiver");
    takeIn(30_000_000, "held-seed");
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("held-seed", BLOB, 5_000_000, true, T0.plusSeconds(10)))
        .as("fetching at 0.5 MB/s, taking in 3 MB/s against a median of 5")
        .isFalse();
  }

  @Test
  void aSeedIsNotJudgedInItsFirstTenSeconds() {
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "receiver");
    takeIn(1_000_000, "late-seed");
    observe("late-seed", BLOB, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, T0.plusSeconds(1));
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("late-seed", BLOB, 1, true, T0.plusSeconds(10))).isFalse();
  }

  @Test
  void aSeedIsNotMeasuredAgainstAFasterRelay() {
    fastNodeTakes10Seconds();
    takeIn(50_000_000, "fast", "receiver");
    takeIn(10_000_000, "seed");
    observe("seed", BLOB, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, T0);
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("seed", BLOB, 10_000_000, true, T0.plusSeconds(10)))
        .as("1 MB/s against the 10 MB/s a relay got the same blob at; the only seed measured")
        .isFalse();
  }

  @Test
  void atMostThreeSeedsOfABlobAreReplaced() {
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "a", "b", "c", "d", "e");
    for (int seed = 1; seed <= LaggingRelays.MAX_SLOW_SEEDS + 1; seed++) {
      observe("seed-" + seed, BLOB, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, T0.plusSeconds(10));
      takeIn(1_000_000, "seed-" + seed);
    }
    relays.judgeIntakes(Set.of());

    for (int seed = 1; seed <= LaggingRelays.MAX_SLOW_SEEDS; seed++) {
      assertThat(relays.isLagging("seed-" + seed, BLOB, 1_000_000, true, T0.plusSeconds(20)))
          .as("seed %d", seed)
          .isTrue();
    }
    assertThat(relays.isLagging("seed-4", BLOB, 1_000_000, true, T0.plusSeconds(20)))
        .as("a blob the registry itself serves slowly is not handed around for good")
        .isFalse();
  }

  @Test
  void aReceiverThatTakesOverFetchingIsMeasuredAsASeedFromThen() {
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "receiver");
    takeIn(10_000_000, "heir");
    // 0.5 MB/s from a slow parent for 10 s, then from the registry.
    observe("heir", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    observe("heir", BLOB, Phase.RECEIVING, 5_000_000, SIZE, Source.UPSTREAM, T0.plusSeconds(10));
    relays.judgeIntakes(Set.of());

    // Counted from its first sighting it would be 0.8 and 1.25 MB/s, under a third of 5.
    assertThat(relays.isLagging("heir", BLOB, 12_000_000, true, T0.plusSeconds(15)))
        .as("not yet measurable as a seed")
        .isFalse();
    assertThat(relays.isLagging("heir", BLOB, 25_000_000, true, T0.plusSeconds(20)))
        .as("2 MB/s since it took over")
        .isFalse();
    assertThat(relays.isLagging("heir", BLOB, 27_000_000, true, T0.plusSeconds(30)))
        .as("1.1 MB/s since it took over")
        .isTrue();
  }

  @Test
  void aNodeReceivingAtUnderHalfTheRateTheOthersGetItAtLags() {
    observe("slow", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    fastNodeTakes10Seconds();

    assertThat(relays.isLagging("slow", BLOB, 40_000_000, false, T0.plusSeconds(10))).isTrue();
    assertThat(relays.isLagging("slow", BLOB, 40_000_000, false, T0.plusSeconds(10))).isTrue();
    assertThat(meters.get("dockmaster.distribution.slow.relays").counter().count())
        .as("counted once per node and blob")
        .isEqualTo(1.0);
  }

  @Test
  void aNodeAtMoreThanHalfTheRateTheOthersGetItAtDoesNot() {
    observe("steady", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    fastNodeTakes10Seconds();

    assertThat(relays.isLagging("steady", BLOB, 60_000_000, false, T0.plusSeconds(10))).isFalse();
    // Half is not under half.
    assertThat(relays.isLagging("steady", BLOB, 50_000_000, false, T0.plusSeconds(10))).isFalse();
  }

  @Test
  void nothingLagsBeforeANodeHasTheBlobWhole() {
    observe("slow", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);

    assertThat(relays.isLagging("slow", BLOB, 1, false, T0.plusSeconds(60))).isFalse();
  }

  @Test
  void aNodeFirstSeenPartwayIsMeasuredFromThere() {
    // Half the blob in 10 s: 5 MB/s, however fast it looked for the whole blob.
    observe("fast", BLOB, Phase.RECEIVING, SIZE / 2, SIZE, PARENT, T0);
    observe("fast", BLOB, Phase.COMPLETE, SIZE, SIZE, PARENT, T0.plusSeconds(10));
    observe("steady", BLOB, Phase.RECEIVING, 20_000_000, SIZE, PARENT, T0);

    // 3 MB/s since first seen: not under half of 5.
    assertThat(relays.isLagging("steady", BLOB, 50_000_000, false, T0.plusSeconds(10))).isFalse();
    assertThat(relays.isLagging("steady", BLOB, 40_000_000, false, T0.plusSeconds(10))).isTrue();
  }

  @Test
  void aBlobTheFastestGotInUnderFiveSecondsIsNotJudged() {
    observe("fast", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    observe("fast", BLOB, Phase.COMPLETE, SIZE, SIZE, PARENT, T0.plusSeconds(4));
    observe("slow", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);

    assertThat(relays.isLagging("slow", BLOB, 1, false, T0.plusSeconds(60))).isFalse();
  }

  @Test
  void aTransferInItsFirstFiveSecondsIsNotJudged() {
    fastNodeTakes10Seconds();
    observe("late", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0.plusSeconds(20));

    assertThat(relays.isLagging("late", BLOB, 0, false, T0.plusSeconds(24))).isFalse();
    assertThat(relays.isLagging("late", BLOB, 0, false, T0.plusSeconds(25))).isTrue();
  }

  @Test
  void aTransferThatFailedStartsItsClockAgain() {
    observe("flaky", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    fastNodeTakes10Seconds();
    observe("flaky", BLOB, Phase.FAILED, 0, SIZE, PARENT, T0.plusSeconds(12));
    observe("flaky", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0.plusSeconds(30));

    assertThat(relays.isLagging("flaky", BLOB, 1_000_000, false, T0.plusSeconds(32))).isFalse();
  }

  @Test
  void aFasterCompletionRaisesTheYardstick() {
    observe("slow", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    observe("slower", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    observe("slower", BLOB, Phase.COMPLETE, SIZE, SIZE, PARENT, T0.plusSeconds(40));
    // 1.5 MB/s against the only completion so far (2.5 MB/s): not under half.
    assertThat(relays.isLagging("slow", BLOB, 60_000_000, false, T0.plusSeconds(40))).isFalse();
    fastNodeTakes10Seconds();

    assertThat(relays.isLagging("slow", BLOB, 70_000_000, false, T0.plusSeconds(50))).isTrue();
  }

  /** Each node receives the blob from {@code source} at {@code megabytesPerSecond} for 10 s. */
  private void receiveFor10Seconds(Source source, double megabytesPerSecond, String... nodes) {
    for (String node : nodes) {
      observe(node, BLOB, Phase.RECEIVING, 0, SIZE, source, T0);
      observe(
          node,
          BLOB,
          Phase.RECEIVING,
          (long) (megabytesPerSecond * 10_000_000),
          SIZE,
          source,
          T0.plusSeconds(10));
    }
  }

  @Test
  void aNodeIsJudgedAgainstTheMedianNodeNotTheFastest() {
    // One node had the blob whole at 10 MB/s; four others get it from that node at 3 MB/s.
    fastNodeTakes10Seconds();
    receiveFor10Seconds(Source.peer("fast"), 3, "a", "b", "c", "d");
    observe("judged", BLOB, Phase.RECEIVING, 0, SIZE, Source.peer("fast"), T0);

    assertThat(relays.isLagging("judged", BLOB, 20_000_000, false, T0.plusSeconds(10)))
        .as("2 MB/s: under half the fastest's 10, not under half the median's 3")
        .isFalse();
    assertThat(relays.isLagging("judged", BLOB, 10_000_000, false, T0.plusSeconds(10)))
        .as("1 MB/s")
        .isTrue();
  }

  @Test
  void nodesBehindARelayDoNotPullTheYardstickDown() {
    fastNodeTakes10Seconds();
    // The relay gets the blob at 1 MB/s, and the three nodes it relays to at its pace.
    receiveFor10Seconds(Source.peer("fast"), 1, "relay");
    receiveFor10Seconds(Source.peer("relay"), 0.9, "x", "y", "z");

    assertThat(relays.isLagging("relay", BLOB, 10_000_000, false, T0.plusSeconds(10)))
        .as("1 MB/s against the 10 MB/s of the only node not behind it")
        .isTrue();
  }

  @Test
  void aNodeMovedToAnotherPeerIsMeasuredFromThere() {
    fastNodeTakes10Seconds();
    // 1 MB/s behind a slow relay for 10 s, then moved to a fast one.
    observe("held", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    observe("held", BLOB, Phase.RECEIVING, 10_000_000, SIZE, PARENT, T0.plusSeconds(10));
    assertThat(relays.isLagging("held", BLOB, 10_000_000, false, T0.plusSeconds(10))).isTrue();

    Source fast = Source.peer("fast");
    observe("held", BLOB, Phase.RECEIVING, 10_000_000, SIZE, fast, T0.plusSeconds(11));
    assertThat(relays.isLagging("held", BLOB, 10_000_000, false, T0.plusSeconds(11)))
        .as("not measurable yet from its new source")
        .isFalse();
    observe("held", BLOB, Phase.RECEIVING, 60_000_000, SIZE, fast, T0.plusSeconds(17));
    assertThat(relays.isLagging("held", BLOB, 60_000_000, false, T0.plusSeconds(17)))
        .as("8.3 MB/s since it moved; 3.5 MB/s counted from its first sighting")
        .isFalse();
  }

  @Test
  void aCompletionIsAYardstickFromTheNodesFirstSightingWhateverItsLastSource() {
    // 20 s in all for the blob (5 MB/s), the last 5 s of it from a fast holder (14 MB/s).
    observe("moved", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0);
    observe(
        "moved", BLOB, Phase.RECEIVING, 30_000_000, SIZE, Source.peer("fast"), T0.plusSeconds(15));
    observe("moved", BLOB, Phase.COMPLETE, SIZE, SIZE, null, T0.plusSeconds(20));
    observe("relay", BLOB, Phase.RECEIVING, 0, SIZE, PARENT, T0.plusSeconds(10));

    assertThat(relays.isLagging("relay", BLOB, 20_000_000, false, T0.plusSeconds(15)))
        .as("4 MB/s against the 5 MB/s the fastest node got the blob at, from its first sighting")
        .isFalse();
  }

  @Test
  void aNodeTakingInUnderHalfTheMedianNodesRateIsMeasuredSlow() {
    takeIn(50_000_000, "a", "b", "c");
    takeIn(24_000_000, "slow");
    takeIn(26_000_000, "half");

    assertThat(relays.judgeIntakes(Set.of()))
        .as("2.4 MB/s against a median of 5; 2.6 MB/s is more than half of it")
        .containsExactly("slow");
  }

  @Test
  void aNodeIsNotJudgedOnItsIntakeBeforeTenSeconds() {
    takeIn(50_000_000, "a", "b", "c");
    relays.observeHeld("newcomer", 0, T0.plusSeconds(1));
    relays.observeHeld("newcomer", 1_000_000, T0.plusSeconds(10));

    assertThat(relays.judgeIntakes(Set.of())).as("seen for 9 s").isEmpty();
    relays.observeHeld("newcomer", 2_000_000, T0.plusSeconds(11));
    assertThat(relays.judgeIntakes(Set.of())).as("0.2 MB/s over 10 s").containsExactly("newcomer");
  }

  @Test
  void aNodeThatCatchesUpIsNoLongerSlow() {
    takeIn(50_000_000, "a", "b", "c");
    takeIn(10_000_000, "recovering");
    assertThat(relays.judgeIntakes(Set.of())).containsExactly("recovering");

    relays.observeHeld("recovering", 70_000_000, T0.plusSeconds(20));
    assertThat(relays.judgeIntakes(Set.of()))
        .as("3.5 MB/s over 20 s: above half the median of 5, under three quarters")
        .containsExactly("recovering");
    relays.observeHeld("recovering", 75_000_000, T0.plusSeconds(20));
    assertThat(relays.judgeIntakes(Set.of())).as("3.75 MB/s: three quarters").isEmpty();
  }

  @Test
  void aNodeNeverFoundSlowIsNotSlowBetweenHalfAndThreeQuartersOfTheMedian() {
    takeIn(50_000_000, "a", "b", "c");
    takeIn(30_000_000, "middling");

    assertThat(relays.judgeIntakes(Set.of())).isEmpty();
  }

  /** A seed whose agent says how long it held back: {@code held} ms of the 10 s after T0. */
  private void seedReporting(String node, long fetched, long heldMillis) {
    relays.observe(node, BLOB, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, 0L, T0);
    relays.observe(
        node,
        BLOB,
        Phase.RECEIVING,
        fetched,
        SIZE,
        Source.UPSTREAM,
        heldMillis,
        T0.plusSeconds(10));
  }

  @Test
  void aSeedSlowWhileNothingHeldItBackIsSlowThoughItsNodeTakesInAsFastAsTheRest() {
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "receiver", "seed");
    seedReporting("seed", 16_000_000, 0);
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("seed", BLOB, 16_000_000, true, T0.plusSeconds(10)))
        .as("1.6 MB/s against 5, none of it held back: its own link is slow for this stream")
        .isTrue();
    assertThat(meters.get("dockmaster.distribution.slow.seeds").counter().count()).isEqualTo(1.0);
  }

  @Test
  void aSeedHeldBackByItsRelaysIsMeasuredOverTheTimeItRan() {
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "receiver");
    takeIn(10_000_000, "seed");
    // 16 MB in the 3 s it was not held back: 5.3 MB/s, though 1.6 MB/s over the 10 s.
    seedReporting("seed", 16_000_000, 7_000);
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("seed", BLOB, 16_000_000, true, T0.plusSeconds(10)))
        .as("slow because its tree was, which moving its registry stream would not change")
        .isFalse();
  }

  @Test
  void aSeedHeldBackMostOfTheTimeIsNotJudgedYet() {
    fastSeedFetches5MegabytesPerSecond();
    takeIn(50_000_000, "fast-seed", "receiver");
    takeIn(1_000_000, "seed");
    seedReporting("seed", 1_000_000, 6_000);
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("seed", BLOB, 1_000_000, true, T0.plusSeconds(10)))
        .as("4 s of 10 free: too short to tell its own rate from a swing of its share")
        .isFalse();
  }

  @Test
  void theYardstickIsTheRateTheFastestSeedFetchedAtHeldOrNot() {
    // 25 MB in 10 s, 5 of them held back: 5 MB/s while it ran, 2.5 MB/s in all.
    relays.observe("bursting-seed", OTHER, Phase.RECEIVING, 0, SIZE, Source.UPSTREAM, 0L, T0);
    relays.observe(
        "bursting-seed",
        OTHER,
        Phase.RECEIVING,
        25_000_000,
        SIZE,
        Source.UPSTREAM,
        5_000L,
        T0.plusSeconds(10));
    takeIn(50_000_000, "bursting-seed", "receiver", "seed");
    seedReporting("seed", 15_000_000, 0);
    relays.judgeIntakes(Set.of());

    assertThat(relays.isLagging("seed", BLOB, 15_000_000, true, T0.plusSeconds(10)))
        .as("1.5 MB/s, never held, against a registry share of 2.5")
        .isFalse();
  }
}
