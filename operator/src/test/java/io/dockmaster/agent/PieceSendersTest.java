package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PieceSendersTest {

  private static final Digest BLOB = Digest.sha256("blob".getBytes(StandardCharsets.UTF_8));
  private static final long FIRST = 0;
  private static final long SECOND = 100;

  private final PieceSenders senders = new PieceSenders();

  @Test
  void aPieceIsBlamedOnItsSenderOnlyIfItHadOne() {
    senders.wrote(BLOB, SECOND, List.of("peer/b", "peer/c"));
    senders.wrote(BLOB, FIRST, List.of("peer/a"));

    PieceSenders.Senders taken = senders.take(BLOB);

    assertThat(taken.all()).containsExactly("peer/a", "peer/b", "peer/c");
    assertThat(taken.soleSenderOf(FIRST)).isEqualTo("peer/a");
    assertThat(taken.soleSenderOf(SECOND))
        .as("continued from another source: either may have sent the wrong bytes")
        .isNull();
    assertThat(taken.soleSenderOf(200)).as("not written here").isNull();
    assertThat(senders.take(BLOB).all()).as("taken once").isEmpty();
  }
}
