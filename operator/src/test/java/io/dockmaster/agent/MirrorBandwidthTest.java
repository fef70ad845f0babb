package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Caps are enforced by Bucket4j; what is tested here is which caps apply to what. Token counts are
 * observed through a bucket's refusal to hand out more than its burst without waiting, measured as
 * whether a second acquire of the full burst blocks (checked with a thread, not with time).
 */
class MirrorBandwidthTest {

  private static final Digest BLOB = Digest.sha256(new byte[] {1});
  private static final Digest OTHER = Digest.sha256(new byte[] {2});

  @Test
  void aMirrorsUploadCapAppliesOnlyToItsOwnBlobs() throws Exception {
    MirrorBandwidth bandwidth = new MirrorBandwidth(Bandwidth.of(0), Bandwidth.of(0));
    bandwidth.set("mirror-a", 64 * 1024, 0, Set.of(BLOB));

    bandwidth.acquireUpload(BLOB, 64 * 1024); // the whole burst

    assertThat(blocks(() -> bandwidth.acquireUpload(BLOB, 64 * 1024)))
        .as("the mirror's burst is spent")
        .isTrue();
    assertThat(completes(() -> bandwidth.acquireUpload(OTHER, 64 * 1024)))
        .as("another blob is not held to that mirror's cap")
        .isTrue();
  }

  @Test
  void removingAMirrorLiftsItsCaps() throws Exception {
    MirrorBandwidth bandwidth = new MirrorBandwidth(Bandwidth.of(0), Bandwidth.of(0));
    bandwidth.set("mirror-a", 0, 64 * 1024, Set.of(BLOB));
    bandwidth.acquireDownload("mirror-a", 64 * 1024);
    assertThat(blocks(() -> bandwidth.acquireDownload("mirror-a", 64 * 1024))).isTrue();

    bandwidth.remove("mirror-a");

    assertThat(completes(() -> bandwidth.acquireDownload("mirror-a", 64 * 1024))).isTrue();
  }

  @Test
  void theNodesCapsHoldEveryBlobAndEveryMirrorTogether() throws Exception {
    // 64 KiB bursts that take 8 s to refill
    MirrorBandwidth bandwidth = new MirrorBandwidth(Bandwidth.of(8 * 1024), Bandwidth.of(8 * 1024));
    bandwidth.set("mirror-a", 0, 0, Set.of(BLOB));

    bandwidth.acquireUpload(BLOB, 64 * 1024);
    bandwidth.acquireDownload("mirror-a", 64 * 1024);

    assertThat(blocks(() -> bandwidth.acquireUpload(OTHER, 64 * 1024)))
        .as("the node's upload burst is spent for every blob")
        .isTrue();
    assertThat(blocks(() -> bandwidth.acquireDownload("mirror-b", 64 * 1024)))
        .as("and its download for every mirror")
        .isTrue();
    assertThat(blocks(() -> bandwidth.acquireDownload(null, 64 * 1024)))
        .as("and for transfers of no mirror")
        .isTrue();
  }

  @FunctionalInterface
  interface Acquire {
    void run() throws InterruptedException;
  }

  /**
   * Whether the call still waits after 200 ms: a bucket of 64 KiB/s refills a 64 KiB burst only
   * after a second, so a spent cap is still spent then.
   */
  private static boolean blocks(Acquire acquire) throws InterruptedException {
    return !finishesWithin(acquire, 200);
  }

  /** Whether the call returns at all (generous, so a loaded machine cannot fail it). */
  private static boolean completes(Acquire acquire) throws InterruptedException {
    return finishesWithin(acquire, 10_000);
  }

  private static boolean finishesWithin(Acquire acquire, long millis) throws InterruptedException {
    Thread thread =
        new Thread(
            () -> {
              try {
                acquire.run();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    thread.start();
    thread.join(millis);
    boolean finished = !thread.isAlive();
    thread.interrupt();
    thread.join();
    return finished;
  }
}
