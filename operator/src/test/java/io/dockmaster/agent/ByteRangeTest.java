package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ByteRangeTest {

  @Test
  void noHeaderMeansTheWholeBlob() throws Exception {
    assertThat(ByteRange.parse(null, 100)).isEmpty();
    assertThat(ByteRange.parse(" ", 100)).isEmpty();
  }

  @Test
  void resumeFromAnOffsetAsContainerdAsks() throws Exception {
    Optional<ByteRange> range = ByteRange.parse("bytes=40-", 100);

    assertThat(range).contains(new ByteRange(40, 60));
    assertThat(range.get().contentRange("100")).isEqualTo("bytes 40-99/100");
  }

  @Test
  void boundedAndSuffixRanges() throws Exception {
    assertThat(ByteRange.parse("bytes=0-9", 100)).contains(new ByteRange(0, 10));
    assertThat(ByteRange.parse("bytes=90-500", 100)).contains(new ByteRange(90, 10));
    assertThat(ByteRange.parse("bytes=-10", 100)).contains(new ByteRange(90, 10));
    assertThat(ByteRange.parse("bytes=-500", 100)).contains(new ByteRange(0, 100));
  }

  @Test
  void unsatisfiableRangesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> ByteRange.parse("bytes=100-", 100))
        .isInstanceOf(ByteRange.Unsatisfiable.class)
        .hasMessageContaining("outside the blob's 100 bytes");
    assertThatThrownBy(() -> ByteRange.parse("bytes=9-3", 100))
        .isInstanceOf(ByteRange.Unsatisfiable.class);
    assertThatThrownBy(() -> ByteRange.parse("bytes=0-1,5-6", 100))
        .isInstanceOf(ByteRange.Unsatisfiable.class)
        .hasMessageContaining("use bytes=<first>-[<last>]");
    assertThatThrownBy(() -> ByteRange.parse("bytes=-0", 100))
        .isInstanceOf(ByteRange.Unsatisfiable.class);
    assertThatThrownBy(() -> ByteRange.parse("bytes=99999999999999999999-", 100))
        .isInstanceOf(ByteRange.Unsatisfiable.class)
        .hasMessageContaining("not a number");
  }
}
