package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Orders that name a transfer to wait behind, as a chain plan sends them. */
class WaitingTransfersTest {

  private static final int MIB = 1 << 20;

  /** Long enough to be waited behind: 2 MiB more than the start of the next needs left. */
  private static final byte[] FIRST =
      new byte[(int) TransferRunner.NEXT_STARTS_BYTES_BEFORE_END + 2 * MIB];

  static {
    new Random(7).nextBytes(FIRST);
  }

  private static final byte[] SECOND = "the second layer".getBytes(StandardCharsets.UTF_8);
  private static final Digest FIRST_DIGEST = Digest.sha256(FIRST);
  private static final Digest SECOND_DIGEST = Digest.sha256(SECOND);

  @TempDir Path dir;
  private BlobCache cache;
  private TransferLedger ledger;
  private TransferRunner runner;

  /** The first layer's stream stops after its first mebibyte until this opens. */
  private final CountDownLatch firstGate = new CountDownLatch(1);

  /** ... and after its second, with as much left as the next needs to start, until this opens. */
  private final CountDownLatch lastGate = new CountDownLatch(1);

  private volatile boolean firstFails;

  /** Each request as "source digest", in the order they were made. */
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    cache = BlobCache.open(dir, CacheLimits.ofCapacity(64 * MIB), new SimpleMeterRegistry());
    ledger = new TransferLedger();
    BlobSource source =
        (order, digest, offset) -> {
          requests.add(order.source().label() + " " + digest);
          return new BlobFrom(
              digest.equals(FIRST_DIGEST) ? gated() : new ByteArrayInputStream(SECOND), 0);
        };
    runner =
        new TransferRunner(
            cache,
            source,
            ledger,
            new MirrorBandwidth(Bandwidth.of(0), Bandwidth.of(0)),
            new AgentMetrics(new SimpleMeterRegistry(), ledger::inFlightCount),
            Duration.ofSeconds(30),
            AgentSettings.DEFAULT_RELAY_WINDOW_BYTES,
            4);
  }

  @AfterEach
  void stop() {
    runner.close();
    cache.close();
  }

  private static TransferOrder order(Digest digest, byte[] content, String peer) {
    return new TransferOrder(
        digest.toString(),
        content.length,
        null,
        "team/app",
        TransferSource.peer(peer, "https://10.0.0.1:30020"),
        "mirror-uid");
  }

  private static TransferOrder secondBehindFirst(String peer) {
    return order(SECOND_DIGEST, SECOND, peer).waitingBehind(FIRST_DIGEST.toString());
  }

  /**
   * The first layer's bytes, stopping at the gates (a reset connection at the first, if told to).
   */
  private InputStream gated() {
    return new InputStream() {
      private int sent;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        if (sent == MIB) {
          await(firstGate);
          if (firstFails) {
            throw new IOException("connection reset");
          }
        } else if (sent == 2 * MIB) {
          await(lastGate);
        }
        if (sent == FIRST.length) {
          return -1;
        }
        int stop = sent < MIB ? MIB : sent < 2 * MIB ? 2 * MIB : FIRST.length;
        int count = Math.min(length, stop - sent);
        System.arraycopy(FIRST, sent, buffer, offset, count);
        sent += count;
        return count;
      }
    };
  }

  private static void await(CountDownLatch gate) throws InterruptedIOException {
    try {
      gate.await();
    } catch (InterruptedException e) {
      throw new InterruptedIOException();
    }
  }

  private long firstReceived() {
    return ledger.inFlight(FIRST_DIGEST).map(entry -> entry.received.get()).orElse(-1L);
  }

  @Test
  void aTransferWaitsBehindTheOneItsOrderNamesUntilThatOneIsNearlyDone() {
    runner.submit(order(FIRST_DIGEST, FIRST, "a"));
    runner.submit(secondBehindFirst("a"));
    Awaitility.await().until(() -> firstReceived() == MIB);

    BlobState waiting = ledger.stateOf(SECOND_DIGEST);
    assertThat(waiting.phase()).isEqualTo(BlobState.Phase.RECEIVING);
    assertThat(waiting.waitsToStart()).isTrue();
    assertThat(waiting.source()).isEqualTo("peer/a");
    assertThat(requests).containsExactly("peer/a " + FIRST_DIGEST);

    firstGate.countDown();

    Awaitility.await().until(() -> cache.isComplete(SECOND_DIGEST));
    assertThat(firstReceived())
        .as("the second started with the first's last bytes still to come")
        .isEqualTo(2L * MIB);
    assertThat(requests).containsExactly("peer/a " + FIRST_DIGEST, "peer/a " + SECOND_DIGEST);

    lastGate.countDown();

    Awaitility.await().until(() -> cache.isComplete(FIRST_DIGEST));
  }

  @Test
  void aTransferWaitingBehindOneThatFailsStartsWhenItFails() {
    firstFails = true;
    runner.submit(order(FIRST_DIGEST, FIRST, "a"));
    runner.submit(secondBehindFirst("a"));
    Awaitility.await().until(() -> firstReceived() == MIB);
    assertThat(ledger.stateOf(SECOND_DIGEST).waitsToStart()).isTrue();

    firstGate.countDown();

    Awaitility.await().until(() -> cache.isComplete(SECOND_DIGEST));
    assertThat(ledger.stateOf(FIRST_DIGEST).phase()).isEqualTo(BlobState.Phase.FAILED);
  }

  @Test
  void anOrderWaitingBehindNothingInFlightStartsAtOnce() {
    runner.submit(secondBehindFirst("a"));

    Awaitility.await().until(() -> cache.isComplete(SECOND_DIGEST));
    assertThat(requests).containsExactly("peer/a " + SECOND_DIGEST);
  }

  @Test
  void aNewOrderForAWaitingTransferTakesItsSourceAndStillWaits() {
    runner.submit(order(FIRST_DIGEST, FIRST, "a"));
    runner.submit(secondBehindFirst("a"));
    runner.submit(secondBehindFirst("b"));

    BlobState waiting = ledger.stateOf(SECOND_DIGEST);
    assertThat(waiting.waitsToStart()).isTrue();
    assertThat(waiting.source()).isEqualTo("peer/b");

    firstGate.countDown();
    lastGate.countDown();

    Awaitility.await().until(() -> cache.isComplete(SECOND_DIGEST));
    assertThat(requests).containsExactly("peer/a " + FIRST_DIGEST, "peer/b " + SECOND_DIGEST);
  }

  @Test
  void aPeerAskingForAWaitingTransfersUnitStartsIt() {
    runner.submit(order(FIRST_DIGEST, FIRST, "a"));
    runner.submit(secondBehindFirst("a"));
    Awaitility.await().until(() -> firstReceived() == MIB);

    ledger.peerAsks(SECOND_DIGEST);

    Awaitility.await().until(() -> cache.isComplete(SECOND_DIGEST));
    assertThat(firstReceived()).as("the first still stopped at its gate").isEqualTo(MIB);
    firstGate.countDown();
    lastGate.countDown();
  }

  @Test
  void anOrderSentAgainWithoutAPlaceInLineKeepsThePlaceOfTheOneItReplaces() {
    runner.submit(order(FIRST_DIGEST, FIRST, "a"));
    runner.submit(secondBehindFirst("a"));
    Awaitility.await().until(() -> firstReceived() == MIB);

    // As the operator sends a node's transfers again once it measured the node slow.
    runner.submit(order(SECOND_DIGEST, SECOND, "b"));

    assertThat(ledger.stateOf(SECOND_DIGEST).waitsToStart()).isTrue();
    assertThat(ledger.stateOf(SECOND_DIGEST).source()).isEqualTo("peer/b");
    firstGate.countDown();
    lastGate.countDown();
    Awaitility.await().until(() -> cache.isComplete(SECOND_DIGEST));
    assertThat(requests).containsExactly("peer/a " + FIRST_DIGEST, "peer/b " + SECOND_DIGEST);
  }
}
