package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.blob;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlanTest {

  private final Blob big = blob(0, 100);
  private final Blob small = blob(1, 10);

  private final Plan plan =
      new Plan(
          List.of(
              new Transfer("b", big, Source.peer("a"), 2),
              new Transfer("c", big, Source.peer("a"), 2),
              new Transfer("c", small, Source.peer("b"), 1)),
          List.of(
              new Transfer("a", big, Source.UPSTREAM, 1),
              new Transfer("b", small, Source.UPSTREAM, 1)));

  @Test
  void sumsWhatUpstreamAndEachPeerServe() {
    assertThat(plan.upstreamBytes()).isEqualTo(110);
    assertThat(plan.uploadBytesBy("a")).isEqualTo(200);
    assertThat(plan.uploadBytesBy("b")).isEqualTo(10);
    assertThat(plan.uploadBytesBy("c")).isZero();
    assertThat(plan.uploadBytesByNode()).containsOnlyKeys("a", "b");
  }

  @Test
  void findsTransfersByNode() {
    assertThat(plan.startFor("c")).extracting(Transfer::blob).containsExactly(big, small);
    assertThat(plan.startFor("a")).isEmpty();
    assertThat(plan.transferFor("a", big.digest())).map(Transfer::source).contains(Source.UPSTREAM);
    assertThat(plan.transferFor("a", small.digest())).isEmpty();
    assertThat(plan.maxDepth()).isEqualTo(2);
    assertThat(plan.transfers()).hasSize(5);
  }
}
