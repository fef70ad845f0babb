package io.dockmaster.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RandomImageTest {

  @Test
  void equalLayersGiveTheRemainderToTheLast() {
    assertThat(RandomImage.layerPayloads(1003, 4, 0)).containsExactly(250L, 250L, 250L, 253L);
  }

  @Test
  void theLargestLayerTakesItsShareAndTheOthersSplitTheRest() {
    List<Long> sizes = RandomImage.layerPayloads(500L << 20, 5, 80);

    assertThat(sizes).containsExactly(400L << 20, 25L << 20, 25L << 20, 25L << 20, 25L << 20);
  }

  @Test
  void aShareOfOddBytesStillAddsUpToTheImage() {
    List<Long> sizes = RandomImage.layerPayloads(1_000_001, 3, 87);

    assertThat(sizes).containsExactly(870_000L, 65_000L, 65_001L);
    assertThat(sizes.stream().mapToLong(Long::longValue).sum()).isEqualTo(1_000_001);
  }

  @Test
  void aShareNoLargerThanAnEqualSplitIsRefused() {
    assertThatThrownBy(() -> RandomImage.layerPayloads(1000, 5, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("largest layer's share is 20% of 5 layers")
        .hasMessageContaining("above the equal one (20%)");
  }

  @Test
  void aShareForASingleLayerOrOfAllBytesIsRefused() {
    assertThatThrownBy(() -> RandomImage.layerPayloads(1000, 1, 80))
        .hasMessageContaining("with at least 2 layers");
    assertThatThrownBy(() -> RandomImage.layerPayloads(1000, 2, 100))
        .hasMessageContaining("below 100%");
  }

  @Test
  void otherLayersThatWouldBeEmptyAreRefused() {
    assertThatThrownBy(() -> RandomImage.layerPayloads(10, 5, 90))
        .hasMessageContaining("the other 4 layers would share 1 bytes");
  }
}
