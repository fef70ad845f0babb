package io.dockmaster.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BlobRangeTest {

  @Test
  void aRangeStartsAtOrAfterTheBlobsStartHoldsBytesAndEndsWithinLongs() {
    assertThat(BlobRange.isValid(0, 1)).isTrue();
    assertThat(BlobRange.isValid(Long.MAX_VALUE - 1, 1)).isTrue();
    assertThat(BlobRange.isValid(-1, 10)).isFalse();
    assertThat(BlobRange.isValid(10, 0)).isFalse();
    assertThat(BlobRange.isValid(Long.MAX_VALUE, 10)).as("its end overflows").isFalse();
    assertThatThrownBy(() -> new BlobRange(Long.MAX_VALUE, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset >= 0 and length > 0");
  }
}
