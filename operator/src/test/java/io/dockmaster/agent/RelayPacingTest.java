package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transfer takes its source no faster than the peers relaying the blob onward read it. */
class RelayPacingTest {

  private static final int WINDOW = 16 << 10;

  /** The source sends this much, then waits until the test has its readers in place. */
  private static final int FIRST = 8 << 10;

  private static final byte[] CONTENT = new byte[512 << 10];
  private static final Digest DIGEST;

  static {
    new Random(4).nextBytes(CONTENT);
    DIGEST = Digest.sha256(CONTENT);
  }

  @TempDir Path dir;
  private BlobCache cache;
  private TransferLedger ledger;
  private TransferRunner runner;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private final CountDownLatch readersInPlace = new CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    cache = BlobCache.open(dir, CacheLimits.ofCapacity(1 << 20), new SimpleMeterRegistry());
    ledger = new TransferLedger();
    BlobSource source = (order, digest, offset) -> new BlobFrom(new GatedContent(), 0);
    runner =
        new TransferRunner(
            cache,
            source,
            ledger,
            new MirrorBandwidth(Bandwidth.of(0), Bandwidth.of(0)),
            new AgentMetrics(meters, ledger::inFlightCount),
            Duration.ofSeconds(60),
            WINDOW,
            2);
    runner.submit(order());
    await().atMost(Duration.ofSeconds(30)).until(() -> received() == FIRST);
  }

  @AfterEach
  void stop() {
    runner.close();
    cache.close();
  }

  @Test
  void aTransferWaitsForThePeerRelayingItsBlobAndFinishesAsThePeerReads() throws Exception {
    ReadableByteChannel peer = relayingPeer();

    // The rest of the blob is there to take at once, but the peer has read nothing yet.
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(30))
        .until(() -> received() > FIRST && received() <= FIRST + 64 * 1024);
    assertThat(ledger.stateOf(DIGEST).heldMillis())
        .as(
            "the inventory counts the wait still going on, so a seed held back is not taken for slow")
        .isGreaterThanOrEqualTo(500);
    ByteBuffer relayed = ByteBuffer.allocate(CONTENT.length);
    while (relayed.hasRemaining() && peer.read(relayed) >= 0) {
      // Each read lets the transfer take its next chunk.
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> cache.isComplete(DIGEST));
    assertThat(relayed.array()).isEqualTo(CONTENT);
    peer.close();
  }

  @Test
  void aPeerThatStopsReadingIsLetGoAndCounted() throws Exception {
    ReadableByteChannel peer = relayingPeer();

    // After the still patience (2 s with this stall timeout) the transfer goes on without it.
    await().atMost(Duration.ofSeconds(30)).until(() -> cache.isComplete(DIGEST));
    assertThat(
            meters.get("dockmaster.agent.relay.released").tag("reason", "still").counter().count())
        .isEqualTo(1.0);
    peer.close();
  }

  @Test
  void aReaderThatIsNoRelayDoesNotHoldTheTransfer() throws Exception {
    // The node's own container runtime, which takes the blob at its own pace.
    InputStream runtime = cache.find(DIGEST).orElseThrow().open();
    readersInPlace.countDown();

    await().atMost(Duration.ofSeconds(30)).until(() -> cache.isComplete(DIGEST));
    assertThat(runtime.readAllBytes()).isEqualTo(CONTENT);
    runtime.close();
  }

  /** A peer relaying the blob onward, reading it from this node's cache. */
  private ReadableByteChannel relayingPeer() throws IOException {
    ReadableByteChannel peer =
        cache
            .find(DIGEST)
            .orElseThrow()
            .openRelayChannel(0, CONTENT.length, "dockmaster-agent:node-b");
    readersInPlace.countDown();
    return peer;
  }

  /** The blob, with a pause after {@link #FIRST} bytes until the readers are in place. */
  private final class GatedContent extends ByteArrayInputStream {

    GatedContent() {
      super(CONTENT);
    }

    @Override
    public synchronized int read(byte[] target, int offset, int length) {
      if (pos == FIRST) {
        try {
          readersInPlace.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return -1;
        }
      }
      return super.read(target, offset, pos < FIRST ? Math.min(length, FIRST - pos) : length);
    }

    @Override
    public synchronized int available() {
      return pos == FIRST && readersInPlace.getCount() > 0 ? 0 : super.available();
    }
  }

  private long received() {
    return ledger.inFlight(DIGEST).map(entry -> entry.received.get()).orElse(-1L);
  }

  private static TransferOrder order() {
    return new TransferOrder(
        DIGEST.toString(),
        CONTENT.length,
        null,
        "team/app",
        TransferSource.peer("parent", "https://10.0.0.1:30020"),
        "mirror-uid");
  }
}
