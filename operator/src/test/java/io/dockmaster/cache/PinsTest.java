package io.dockmaster.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PinsTest {

  private static final Digest A = Digest.sha256("a".getBytes(StandardCharsets.UTF_8));
  private static final Digest B = Digest.sha256("b".getBytes(StandardCharsets.UTF_8));

  private final Pins pins = new Pins();

  @Test
  void aBlobStaysPinnedWhileAnyOwnerPinsIt() {
    pins.replace("one", Set.of(A, B));
    pins.replace("two", Set.of(B));

    pins.remove("one");

    assertThat(pins.isPinned(A)).isFalse();
    assertThat(pins.isPinned(B)).isTrue();
    pins.remove("two");
    assertThat(pins.pinned()).isEmpty();
  }

  @Test
  void replacingDropsWhatTheOwnerNoLongerNames() {
    pins.replace("one", Set.of(A));

    pins.replace("one", Set.of(B));

    assertThat(pins.pinned()).containsExactly(B);
    pins.replace("one", Set.of());
    assertThat(pins.pinned()).isEmpty();
    pins.remove("unknown");
  }
}
