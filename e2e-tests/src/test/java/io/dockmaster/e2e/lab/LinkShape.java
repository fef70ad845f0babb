package io.dockmaster.e2e.lab;

/**
 * The bandwidth of one lab host's link to the bridge, per direction, as seen from the host: upload
 * is what it sends, download what it receives. {@link #UNLIMITED} leaves a direction unshaped (the
 * veth then runs at memory speed, several Gbit/s).
 */
public record LinkShape(long uploadBitsPerSecond, long downloadBitsPerSecond) {

  public static final long UNLIMITED = Long.MAX_VALUE;

  /** The lowest rate tbf shapes accurately with the burst {@link #burstBytes} picks. */
  public static final long MIN_BITS_PER_SECOND = 8_000;

  /**
   * Above this tbf needs 64-bit rates, which iproute2 prints differently; no lab link needs it
   * (veths themselves top out around it on this kind of machine).
   */
  public static final long MAX_BITS_PER_SECOND = 32_000_000_000L;

  public LinkShape {
    check("uploadBitsPerSecond", uploadBitsPerSecond);
    check("downloadBitsPerSecond", downloadBitsPerSecond);
  }

  public static LinkShape unlimited() {
    return new LinkShape(UNLIMITED, UNLIMITED);
  }

  public static LinkShape symmetricMbit(long megabitsPerSecond) {
    return mbit(megabitsPerSecond, megabitsPerSecond);
  }

  public static LinkShape mbit(long uploadMegabitsPerSecond, long downloadMegabitsPerSecond) {
    return new LinkShape(
        uploadMegabitsPerSecond * 1_000_000, downloadMegabitsPerSecond * 1_000_000);
  }

  /**
   * The smallest bucket that lets the largest GSO super-packet a veth carries through whole. tbf
   * charges a GSO packet its length plus the headers of every segment it stands for (64 KiB of
   * payload in 45 segments: about 68,500 bytes) and splits any packet above its bucket into
   * MSS-sized packets in software, which a real NIC does in hardware (TSO). A 64 KiB bucket split
   * every full-sized write: 136,252 packets for 200 MB through one 1 Gbit/s tbf link against 3,075
   * with this bucket, at the same rate (two namespaces, a veth pair, socat writing 64 KiB blocks;
   * the receiver's {@code rx_packets}), and per-packet kernel work took much of the lab's CPU.
   */
  static final long GSO_BUCKET_BYTES = 96 * 1024;

  /**
   * The tbf bucket size for a rate: 2 ms worth of data, and at least {@link #GSO_BUCKET_BYTES}.
   * Measured with curl through a shaped veth pair (see NetworkLabE2E and the lab's report): TCP
   * goodput reaches 95-96% of the rate from 5 Mbit/s to 2 Gbit/s, which is the ceiling, since tbf
   * counts Ethernet and IP/TCP headers (1448 payload bytes of every 1514). A smaller bucket starves
   * fast links (32 KiB at 1 Gbit/s: 70%).
   */
  public static long burstBytes(long bitsPerSecond) {
    return Math.max(GSO_BUCKET_BYTES, bitsPerSecond / 8 / 500);
  }

  /**
   * How long a packet may wait in the tbf queue before being dropped, which sizes the queue (rate
   * times latency plus burst). 20 ms keeps TCP at full rate without turning the link into a
   * bufferbloated one where a control message waits behind seconds of bulk data.
   */
  static final int QUEUE_LATENCY_MILLIS = 20;

  public boolean uploadShaped() {
    return uploadBitsPerSecond != UNLIMITED;
  }

  public boolean downloadShaped() {
    return downloadBitsPerSecond != UNLIMITED;
  }

  private static void check(String field, long bitsPerSecond) {
    if (bitsPerSecond == UNLIMITED) {
      return;
    }
    if (bitsPerSecond < MIN_BITS_PER_SECOND || bitsPerSecond > MAX_BITS_PER_SECOND) {
      throw new IllegalArgumentException(
          "LinkShape."
              + field
              + " is "
              + bitsPerSecond
              + ": give a rate between "
              + MIN_BITS_PER_SECOND
              + " and "
              + MAX_BITS_PER_SECOND
              + " bits/s, or LinkShape.UNLIMITED to leave that direction unshaped");
    }
  }

  @Override
  public String toString() {
    return "LinkShape[up "
        + describe(uploadBitsPerSecond)
        + ", down "
        + describe(downloadBitsPerSecond)
        + "]";
  }

  private static String describe(long bitsPerSecond) {
    if (bitsPerSecond == UNLIMITED) {
      return "unlimited";
    }
    return bitsPerSecond % 1_000_000 == 0
        ? bitsPerSecond / 1_000_000 + " Mbit/s"
        : bitsPerSecond + " bit/s";
  }
}
