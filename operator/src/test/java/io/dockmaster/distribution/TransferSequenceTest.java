package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.blob;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransferSequenceTest {

  private final Blob first = blob(0, 300);
  private final Blob second = blob(1, 200);
  private final Blob third = blob(2, 100);
  private final List<Blob> sequence = List.of(first, second, third);

  private static Transfer from(String node, Blob blob, String source) {
    return new Transfer(node, blob, Source.peer(source), 2);
  }

  @Test
  void aNodeStartingEverythingTakesItsBlobsOneAfterAnother() {
    Transfer a = from("b", first, "a");
    Transfer b = from("b", second, "a");
    Transfer c = from("b", third, "a");
    Plan plan = new Plan(List.of(a, b, c), List.of(), sequence);

    assertThat(TransferSequence.waits(plan, List.of(PlanNode.empty("b"))))
        .containsExactlyInAnyOrderEntriesOf(Map.of(b, first.digest(), c, second.digest()));
  }

  @Test
  void aNewTransferWaitsBehindOneGoingOnAndNotBehindABlobHeld() {
    Transfer again = from("b", first, "c");
    Transfer last = from("b", third, "a");
    PlanNode node =
        new PlanNode(
            "b", 0, 0, Set.of(second.digest()), Map.of(first.digest(), Source.peer("gone")));
    Plan plan = new Plan(List.of(again, last), List.of(), sequence);

    assertThat(TransferSequence.waits(plan, List.of(node)))
        .as(
            "the first goes on from another source at once; the third waits for it, the second is held")
        .containsExactlyInAnyOrderEntriesOf(Map.of(last, first.digest()));
  }

  @Test
  void aPlanWithoutASequenceStartsEverythingAtOnce() {
    Plan plan = new Plan(List.of(from("b", first, "a"), from("b", second, "a")), List.of());

    assertThat(TransferSequence.waits(plan, List.of(PlanNode.empty("b")))).isEmpty();
  }
}
