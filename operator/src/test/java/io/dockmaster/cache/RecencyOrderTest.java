package io.dockmaster.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecencyOrderTest {

  private static final Digest A = digest("a");
  private static final Digest B = digest("b");
  private static final Digest C = digest("c");
  private static final Digest D = digest("d");

  private final RecencyOrder order = new RecencyOrder();

  @Test
  void touchingMovesABlobToTheMostRecentEnd() {
    order.add(A, 10);
    order.add(B, 10);
    order.add(C, 10);

    order.touch(A);

    assertThat(order.leastRecentFirst()).containsExactly(B, C, A);
  }

  @Test
  void victimsAreTheOldestEvictableBlobsUntilEnoughIsFreed() {
    order.add(A, 100);
    order.add(B, 50);
    order.add(C, 70);
    order.add(D, 10);

    assertThat(order.victims(120, digest -> true)).containsExactly(A, B);
    assertThat(order.victims(100, digest -> true)).containsExactly(A);
    assertThat(order.victims(0, digest -> true)).isEmpty();
    assertThat(order.victims(60, digest -> !digest.equals(A))).containsExactly(B, C);
    assertThat(order.victims(1000, digest -> !Set.of(A, C).contains(digest)))
        .as("fewer when not enough is evictable")
        .containsExactly(B, D);
  }

  @Test
  void countsBytesAndForgetsRemovedBlobs() {
    order.add(A, 100);
    order.add(B, 50);

    order.remove(A);

    assertThat(order.bytes(digest -> true)).isEqualTo(50);
    assertThat(order.leastRecentFirst()).containsExactly(B);
  }

  private static Digest digest(String content) {
    return Digest.sha256(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
