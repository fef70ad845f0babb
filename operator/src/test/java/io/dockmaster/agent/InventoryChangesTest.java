package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InventoryChangesTest {

  private final InventoryChanges changes = new InventoryChanges();

  @Test
  void aWaitPastAnOlderVersionEndsAtOnce() {
    long seen = changes.version();
    changes.changed();

    assertThat(changes.after(seen, 60_000)).isDone();
    assertThat(changes.version()).isGreaterThan(seen);
  }

  @Test
  void aWaitEndsWithTheNextChangeAndLeavesNothingBehind() {
    CompletableFuture<Void> waiting = changes.after(changes.version(), 60_000);
    assertThat(waiting).isNotDone();
    assertThat(changes.waiting()).isEqualTo(1);

    changes.changed();

    assertThat(waiting).isDone();
    assertThat(changes.waiting()).isZero();
  }

  @Test
  void withoutAChangeAWaitEndsAfterItsTime() {
    CompletableFuture<Void> waiting = changes.after(changes.version(), 50);

    await().until(waiting::isDone);
    assertThat(waiting).isNotCompletedExceptionally();
    await().until(() -> changes.waiting() == 0);
  }
}
