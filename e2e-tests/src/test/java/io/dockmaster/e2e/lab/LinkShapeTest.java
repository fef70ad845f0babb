package io.dockmaster.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LinkShapeTest {

  /**
   * What tbf charges for the largest GSO packet a veth hands it: up to 64 KiB of skb, plus the
   * Ethernet, IP and TCP headers (with timestamps) of each further MSS-sized segment it stands for.
   */
  private static final long LARGEST_GSO_CHARGE = 65_536 + (65_536 / 1_448) * (14 + 20 + 32);

  @Test
  void everyBucketHoldsAWholeGsoSuperPacket() {
    for (long rate : new long[] {LinkShape.MIN_BITS_PER_SECOND, 10_000_000L, 100_000_000L}) {
      assertThat(LinkShape.burstBytes(rate)).isGreaterThan(LARGEST_GSO_CHARGE);
    }
  }

  @Test
  void fastLinksGetTwoMillisecondsOfData() {
    assertThat(LinkShape.burstBytes(2_000_000_000L)).isEqualTo(500_000);
  }
}
