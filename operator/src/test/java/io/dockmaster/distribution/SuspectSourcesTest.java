package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.control.BlobCheck.Outcome;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobRange;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.BlobState.Phase;
import io.dockmaster.control.BlobVerifications;
import io.dockmaster.control.RangeDigest;
import io.dockmaster.control.ReceivedPiece;
import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SuspectSourcesTest {

  private static final Digest BLOB = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));

  private final SuspectSources suspects = new SuspectSources();

  private static AgentReport report(String receiver, BlobState state) {
    return new AgentReport(receiver, List.of(state), 0, 0, 0, 0, 0, 0);
  }

  private static BlobState failed(String source, String reason) {
    return new BlobState(BLOB.toString(), Phase.FAILED, 0, source, reason, "message");
  }

  @Test
  void aDigestMismatchFromAPeerMakesItASuspectToBeCheckedOnce() {
    suspects.noteReport(report("n1", failed("peer/bad", "DigestMismatch")));
    suspects.noteReport(report("n2", failed("peer/bad", "DigestMismatch")));

    assertThat(suspects.isSuspect(BLOB, "bad")).isTrue();
    assertThat(suspects.isSuspect(BLOB, "n1")).isFalse();
    assertThat(suspects.takeVerifications(List.of("bad", "n1")))
        .isEqualTo(Map.of("bad", new BlobVerifications(List.of(BLOB.toString()))));
    assertThat(suspects.takeVerifications(List.of("bad"))).as("handed out once").isEmpty();
  }

  @Test
  void otherFailuresAndUpstreamMismatchesAccuseNoPeer() {
    suspects.noteReport(report("n1", failed("peer/slow", "SourceUnreachable")));
    suspects.noteReport(report("n1", failed("upstream", "DigestMismatch")));

    assertThat(suspects.isSuspect(BLOB, "slow")).isFalse();
    assertThat(suspects.takeVerifications(List.of("slow", "upstream"))).isEmpty();
  }

  @Test
  void aRepeatedReportCountsOnceButANewFailureAfterAnotherStateCountsAgain() {
    suspects.noteReport(report("n1", failed("peer/bad", "DigestMismatch")));
    suspects.takeVerifications(List.of("bad"));
    suspects.verified("bad", List.of(new BlobCheck(BLOB.toString(), Outcome.INTACT)));
    suspects.collect();
    assertThat(suspects.isSuspect(BLOB, "bad")).as("re-checked: trusted again").isFalse();

    suspects.noteReport(report("n1", failed("peer/bad", "DigestMismatch")));
    assertThat(suspects.isSuspect(BLOB, "bad")).as("the same report, still shown").isFalse();

    suspects.noteReport(
        report("n1", new BlobState(BLOB.toString(), Phase.RECEIVING, 10, "peer/bad", null, null)));
    suspects.noteReport(report("n1", failed("peer/bad", "DigestMismatch")));
    assertThat(suspects.isSuspect(BLOB, "bad")).as("a new failure").isTrue();
  }

  @Test
  void aSuspectIsClearedWhenItsCopyIsGoneAndACheckThatCouldNotBeAskedIsAskedAgain() {
    suspects.noteReport(report("n1", failed("peer/bad", "DigestMismatch")));
    List<String> digests = suspects.takeVerifications(List.of("bad")).get("bad").digests();

    suspects.verificationFailed("bad", digests);
    assertThat(suspects.takeVerifications(List.of("bad"))).as("not before collect").isEmpty();
    suspects.collect();
    assertThat(suspects.takeVerifications(List.of("bad"))).containsKey("bad");
    assertThat(suspects.isSuspect(BLOB, "bad")).isTrue();

    suspects.copyGone(BLOB, "bad");
    assertThat(suspects.isSuspect(BLOB, "bad")).isFalse();
  }

  /** The receiver fetches the blob from {@code source} again, and again gets bad bytes. */
  private void mismatchAgain(String receiver, String source) {
    suspects.noteReport(
        report(
            receiver,
            new BlobState(BLOB.toString(), Phase.RECEIVING, 10, "peer/" + source, null, null)));
    suspects.noteReport(report(receiver, failed("peer/" + source, "DigestMismatch")));
  }

  private List<SuspectSources.Withheld> checked(String node, Outcome outcome) {
    assertThat(suspects.takeVerifications(List.of(node))).containsKey(node);
    suspects.verified(node, List.of(new BlobCheck(BLOB.toString(), outcome)));
    return suspects.collect();
  }

  @Test
  void aSourceWhoseCopyKeepsCheckingOutWhileItSendsBadBytesIsWithheldAfterItsStrikes() {
    for (int strike = 1; strike < SuspectSources.STRIKES; strike++) {
      mismatchAgain("n" + strike, "liar");
      assertThat(checked("liar", Outcome.INTACT)).as("strike %d", strike).isEmpty();
      assertThat(suspects.isSuspect(BLOB, "liar")).isFalse();
      assertThat(suspects.isWithheld(BLOB, "liar")).isFalse();
    }
    mismatchAgain("n1", "liar");
    assertThat(checked("liar", Outcome.UNREADABLE))
        .containsExactly(new SuspectSources.Withheld("liar", BLOB, SuspectSources.STRIKES));
    assertThat(suspects.isSuspect(BLOB, "liar")).as("its copy counts").isFalse();
    assertThat(suspects.isWithheld(BLOB, "liar")).isTrue();

    mismatchAgain("n2", "liar");
    assertThat(suspects.takeVerifications(List.of("liar")))
        .as("a withheld source is not asked again")
        .isEmpty();

    suspects.copyGone(BLOB, "liar");
    assertThat(suspects.isWithheld(BLOB, "liar")).as("a new copy may serve").isFalse();
    mismatchAgain("n3", "liar");
    assertThat(checked("liar", Outcome.INTACT))
        .as("but its strikes stay")
        .containsExactly(new SuspectSources.Withheld("liar", BLOB, SuspectSources.STRIKES + 1));
  }

  @Test
  void aRelayWhoseCopyWasIncompleteWhenItSentGetsNoStrikeWhateverItsNextCopyChecksTo() {
    for (int i = 0; i < 2 * SuspectSources.STRIKES; i++) {
      mismatchAgain("n" + i, "relay");
      // The relay's own transfer failed too (or was still running): that copy is gone.
      suspects.copyGone(BLOB, "relay");
      assertThat(checked("relay", Outcome.INTACT)).as("its later, good copy").isEmpty();
    }
    assertThat(suspects.isWithheld(BLOB, "relay")).isFalse();
  }

  @Test
  void oneReceiverAloneCannotGetASourceWithheld() {
    for (int i = 0; i < 2 * SuspectSources.STRIKES; i++) {
      mismatchAgain("faulty-receiver", "healthy");
      assertThat(checked("healthy", Outcome.INTACT)).isEmpty();
    }
    assertThat(suspects.isWithheld(BLOB, "healthy")).isFalse();

    mismatchAgain("another-receiver", "healthy");
    assertThat(checked("healthy", Outcome.INTACT))
        .as("a second receiver confirms it")
        .extracting(SuspectSources.Withheld::node)
        .containsExactly("healthy");
  }

  @Test
  void aCopyTheCheckDroppedOrDidNotFindIsNoStrike() {
    for (int i = 0; i < 2 * SuspectSources.STRIKES; i++) {
      mismatchAgain("n1", "rotten");
      assertThat(checked("rotten", i % 2 == 0 ? Outcome.DISCARDED : Outcome.ABSENT)).isEmpty();
    }
    assertThat(suspects.isWithheld(BLOB, "rotten")).isFalse();
    assertThat(suspects.isSuspect(BLOB, "rotten")).isFalse();
  }

  @Test
  void checksWaitForTheSuspectToBeAlive() {
    suspects.noteReport(report("n1", failed("peer/down", "DigestMismatch")));

    assertThat(suspects.takeVerifications(List.of("n1"))).isEmpty();
    assertThat(suspects.takeVerifications(List.of("down"))).containsKey("down");
  }

  private static final BlobPiece PIECE = new BlobPiece(BLOB, 32L << 20, 32L << 20);
  private static final BlobRange FIRST = new BlobRange(0, 32L << 20);
  private static final BlobRange SECOND = new BlobRange(32L << 20, 32L << 20);

  /** The receiver's assembly of the blob's pieces did not hash to its digest. */
  private static BlobState piecesFailed(String source, List<String> pieceSources) {
    return new BlobState(
        PIECE.name(), Phase.FAILED, 0, source, "DigestMismatch", "message", null, pieceSources);
  }

  /** The same from an agent that says what it received in each piece. */
  private static BlobState piecesFailed(List<String> pieceSources, ReceivedPiece... received) {
    return new BlobState(
        PIECE.name(),
        Phase.FAILED,
        0,
        "several sources",
        "DigestMismatch",
        "message",
        null,
        pieceSources,
        null,
        List.of(received));
  }

  @Test
  void everySenderOfPiecesThatDidNotAddUpIsCheckedButWithoutTheirDigestsNoneEarnsAStrike() {
    for (int i = 0; i < 2 * SuspectSources.STRIKES; i++) {
      String receiver = "n" + (i % 2);
      suspects.noteReport(
          report(receiver, new BlobState(PIECE.name(), Phase.RECEIVING, 10, "peer/a", null, null)));
      suspects.noteReport(
          report(
              receiver, piecesFailed("several sources", List.of("peer/a", "upstream", "peer/b"))));

      assertThat(suspects.isSuspect(BLOB, "a")).as("suspicion is of the copy of the blob").isTrue();
      assertThat(suspects.isSuspect(BLOB, "b")).isTrue();
      assertThat(suspects.takeVerifications(List.of("a", "b", "upstream")))
          .as("the blob is re-checked, not a piece")
          .isEqualTo(
              Map.of(
                  "a", new BlobVerifications(List.of(BLOB.toString())),
                  "b", new BlobVerifications(List.of(BLOB.toString()))));
      suspects.verified("a", List.of(new BlobCheck(BLOB.toString(), Outcome.INTACT)));
      suspects.verified("b", List.of(new BlobCheck(BLOB.toString(), Outcome.INTACT)));
      assertThat(suspects.collect())
          .as("which one sent the wrong piece, an agent that does not hash pieces cannot tell")
          .isEmpty();
      assertThat(suspects.isSuspect(BLOB, "a")).isFalse();
    }
    assertThat(suspects.isWithheld(BLOB, "a")).isFalse();
    assertThat(suspects.isWithheld(BLOB, "b")).isFalse();
  }

  @Test
  void theOneSenderOfPiecesThatDidNotAddUpEarnsStrikesAsASourceOfAWholeBlobDoes() {
    for (int strike = 1; strike <= SuspectSources.STRIKES; strike++) {
      String receiver = "n" + (strike % 2);
      suspects.noteReport(
          report(
              receiver, new BlobState(PIECE.name(), Phase.RECEIVING, 10, "peer/liar", null, null)));
      suspects.noteReport(report(receiver, piecesFailed("peer/liar", null)));
      assertThat(suspects.isSuspect(BLOB, "liar")).isTrue();
      List<SuspectSources.Withheld> withheld = checked("liar", Outcome.INTACT);
      if (strike < SuspectSources.STRIKES) {
        assertThat(withheld).isEmpty();
      } else {
        assertThat(withheld)
            .containsExactly(new SuspectSources.Withheld("liar", BLOB, SuspectSources.STRIKES));
      }
    }
    assertThat(suspects.isWithheld(BLOB, "liar")).isTrue();
  }

  /** The digest of a range of the blob's true bytes, as a sender's intact copy hashes it. */
  private static String truly(BlobRange range) {
    return FakeAgents.truly(BLOB.toString(), range);
  }

  /** a sent the first piece as its copy holds it; b sent the second wrong. */
  private void bSentTheSecondPieceWrong(String receiver) {
    suspects.noteReport(
        report(receiver, new BlobState(PIECE.name(), Phase.RECEIVING, 10, "peer/a", null, null)));
    suspects.noteReport(
        report(
            receiver,
            piecesFailed(
                List.of("peer/a", "peer/b"),
                new ReceivedPiece(0, FIRST.length(), "peer/a", truly(FIRST)),
                new ReceivedPiece(
                    SECOND.offset(), SECOND.length(), "peer/b", "sha256:" + "0".repeat(64)))));
  }

  /** A re-check of the blob, asked to hash this range of the copy too. */
  private static BlobVerifications askedFor(BlobRange range) {
    return new BlobVerifications(List.of(BLOB.toString()), Map.of(BLOB.toString(), List.of(range)));
  }

  private static BlobCheck intactWith(BlobRange... ranges) {
    return new BlobCheck(
        BLOB.toString(),
        Outcome.INTACT,
        Arrays.stream(ranges)
            .map(range -> new RangeDigest(range.offset(), range.length(), truly(range)))
            .toList());
  }

  @Test
  void theSenderOfAPieceItsOwnIntactCopyDoesNotHoldEarnsTheStrikeAndTheOtherSenderNone() {
    for (int strike = 1; strike <= SuspectSources.STRIKES; strike++) {
      bSentTheSecondPieceWrong("n" + (strike % 2));

      assertThat(suspects.takeVerifications(List.of("a", "b")))
          .as("each sender hashes the pieces it sent")
          .isEqualTo(Map.of("a", askedFor(FIRST), "b", askedFor(SECOND)));
      suspects.verified("a", List.of(intactWith(FIRST)));
      suspects.verified("b", List.of(intactWith(SECOND)));
      List<SuspectSources.Withheld> withheld = suspects.collect();

      assertThat(suspects.isSuspect(BLOB, "a")).isFalse();
      assertThat(suspects.isSuspect(BLOB, "b")).as("its copy checks out").isFalse();
      if (strike < SuspectSources.STRIKES) {
        assertThat(withheld).as("strike %d", strike).isEmpty();
      } else {
        assertThat(withheld)
            .containsExactly(new SuspectSources.Withheld("b", BLOB, SuspectSources.STRIKES));
      }
    }
    assertThat(suspects.isWithheld(BLOB, "b")).isTrue();
    assertThat(suspects.isWithheld(BLOB, "a")).isFalse();
  }

  @Test
  void piecesReportedWhileTheSendersCheckRanAreAskedOfItNextIfItDidNotHashTheirRanges() {
    bSentTheSecondPieceWrong("n0");
    suspects.takeVerifications(List.of("a", "b"));
    // While the checks run: n2 got the first piece from b, wrong, and the second from a; n1 got
    // the second from b, as n0 did.
    suspects.noteReport(
        report(
            "n2",
            piecesFailed(
                List.of("peer/b", "peer/a"),
                new ReceivedPiece(0, FIRST.length(), "peer/b", "sha256:" + "1".repeat(64)),
                new ReceivedPiece(SECOND.offset(), SECOND.length(), "peer/a", truly(SECOND)))));
    bSentTheSecondPieceWrong("n1");
    suspects.verified("a", List.of(intactWith(FIRST)));
    suspects.verified("b", List.of(intactWith(SECOND)));
    assertThat(suspects.collect()).as("strike 1, from n0 and n1").isEmpty();

    assertThat(suspects.isSuspect(BLOB, "b")).as("until n2's piece is checked").isTrue();
    assertThat(suspects.takeVerifications(List.of("a", "b")))
        .as("only the ranges not hashed yet")
        .isEqualTo(Map.of("a", askedFor(SECOND), "b", askedFor(FIRST)));
    suspects.verified("a", List.of(intactWith(SECOND)));
    suspects.verified("b", List.of(intactWith(FIRST)));
    assertThat(suspects.collect()).as("strike 2, from n2").isEmpty();
    assertThat(suspects.isSuspect(BLOB, "b")).isFalse();
    assertThat(suspects.takeVerifications(List.of("a", "b"))).as("all answered").isEmpty();

    bSentTheSecondPieceWrong("n0");
    suspects.takeVerifications(List.of("a", "b"));
    suspects.verified("b", List.of(intactWith(SECOND)));
    assertThat(suspects.collect())
        .containsExactly(new SuspectSources.Withheld("b", BLOB, SuspectSources.STRIKES));
  }

  @Test
  void aCheckNamingARangeThatIsNoRangeIsIgnored() {
    bSentTheSecondPieceWrong("n0");
    suspects.takeVerifications(List.of("b"));
    suspects.verified(
        "b",
        List.of(
            new BlobCheck(
                BLOB.toString(),
                Outcome.INTACT,
                List.of(new RangeDigest(SECOND.offset(), 0, truly(SECOND))))));

    assertThat(suspects.collect()).isEmpty();
    assertThat(suspects.isSuspect(BLOB, "b")).isFalse();
  }

  @Test
  void aReportOfAPieceThatIsNoRangeIsIgnored() {
    suspects.noteReport(
        report(
            "n1",
            piecesFailed(
                List.of("peer/a", "peer/b"),
                new ReceivedPiece(0, 0, "peer/a", truly(FIRST)),
                new ReceivedPiece(-1, 10, "peer/b", truly(FIRST)))));

    assertThat(suspects.takeVerifications(List.of("a", "b")))
        .as("both are checked, neither asked for a range")
        .isEqualTo(
            Map.of(
                "a", new BlobVerifications(List.of(BLOB.toString())),
                "b", new BlobVerifications(List.of(BLOB.toString()))));
  }

  @Test
  void aPieceSenderWhoseCopyWasDroppedOrHashedNoRangesOrIsGoneEarnsNoStrike() {
    // Each case as often as it would take to withhold b, from two receivers.
    for (int i = 0; i < 3 * SuspectSources.STRIKES; i++) {
      int kind = i / SuspectSources.STRIKES;
      bSentTheSecondPieceWrong("n" + (i % 2));
      suspects.takeVerifications(List.of("a", "b"));
      BlobCheck check =
          switch (kind) {
            // a rotten copy is dropped, whatever its ranges hash to
            case 0 ->
                new BlobCheck(BLOB.toString(), Outcome.DISCARDED, intactWith(SECOND).ranges());
            // an agent that does not hash ranges
            case 1 -> new BlobCheck(BLOB.toString(), Outcome.INTACT);
            // b's copy is gone (it failed too, or was evicted) before its check answered
            default -> {
              suspects.copyGone(BLOB, "b");
              yield intactWith(SECOND);
            }
          };
      suspects.verified("b", List.of(check));

      assertThat(suspects.collect()).as("case %d", kind).isEmpty();
      assertThat(suspects.isSuspect(BLOB, "b")).as("case %d: not asked again", kind).isFalse();
    }
    assertThat(suspects.isWithheld(BLOB, "b")).isFalse();
  }

  @Test
  void aPieceWhoseSenderIsUnknownOrTheRegistryIsHashedOfNoOne() {
    suspects.noteReport(
        report(
            "n1",
            piecesFailed(
                List.of("peer/a", "upstream"),
                new ReceivedPiece(0, FIRST.length(), null, truly(FIRST)),
                new ReceivedPiece(SECOND.offset(), SECOND.length(), "upstream", truly(SECOND)))));

    assertThat(suspects.takeVerifications(List.of("a", "upstream")))
        .isEqualTo(Map.of("a", new BlobVerifications(List.of(BLOB.toString()))));
  }
}
