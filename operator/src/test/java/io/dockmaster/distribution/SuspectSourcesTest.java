package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.BlobState.Phase;
import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SuspectSourcesTest {

  private static final Digest BLOB = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));

  private final SuspectSources suspects = new SuspectSources();

  private static AgentReport report(String receiver, BlobState state) {
    return new AgentReport(receiver, List.of(state), 0, 0, 0, 0, 0);
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
        .isEqualTo(Map.of("bad", List.of(BLOB.toString())));
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
    suspects.verified("bad", List.of(BLOB.toString()));
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
    List<String> digests = suspects.takeVerifications(List.of("bad")).get("bad");

    suspects.verificationFailed("bad", digests);
    assertThat(suspects.takeVerifications(List.of("bad"))).as("not before collect").isEmpty();
    suspects.collect();
    assertThat(suspects.takeVerifications(List.of("bad"))).containsKey("bad");
    assertThat(suspects.isSuspect(BLOB, "bad")).isTrue();

    suspects.copyGone(BLOB, "bad");
    assertThat(suspects.isSuspect(BLOB, "bad")).isFalse();
  }

  @Test
  void checksWaitForTheSuspectToBeAlive() {
    suspects.noteReport(report("n1", failed("peer/down", "DigestMismatch")));

    assertThat(suspects.takeVerifications(List.of("n1"))).isEmpty();
    assertThat(suspects.takeVerifications(List.of("down"))).containsKey("down");
  }
}
