package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.agent.TransferFailure.Reason;
import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transfers into a real cache from sources that behave, lie, stop short or go silent. */
class TransferRunnerTest {

  private static final byte[] CONTENT = "the layer's bytes, all of them".getBytes();
  private static final Digest DIGEST = Digest.sha256(CONTENT);

  @TempDir Path dir;
  private BlobCache cache;
  private TransferLedger ledger;
  private TransferRunner runner;
  private final Map<String, SourceBehaviour> sources = new ConcurrentHashMap<>();

  /** Sources that send the whole blob whatever offset they are asked for. */
  private final Set<String> ignoringRanges = ConcurrentHashMap.newKeySet();

  /** The offsets each source was asked to send from. */
  private final Map<String, List<Long>> offsets = new ConcurrentHashMap<>();

  /** Whether each request to a source asked it not to keep pace with this node. */
  private final Map<String, List<Boolean>> unpacedAsks = new ConcurrentHashMap<>();

  @FunctionalInterface
  interface SourceBehaviour {
    InputStream open(long offset) throws TransferFailure;
  }

  @BeforeEach
  void start() throws Exception {
    cache = BlobCache.open(dir, CacheLimits.ofCapacity(1 << 20), new SimpleMeterRegistry());
    ledger = new TransferLedger();
    BlobSource source =
        (order, digest, offset) -> {
          offsets
              .computeIfAbsent(order.source().label(), l -> new CopyOnWriteArrayList<>())
              .add(offset);
          unpacedAsks
              .computeIfAbsent(order.source().label(), l -> new CopyOnWriteArrayList<>())
              .add(order.slowReceiver());
          String label = order.source().label();
          InputStream in = sources.get(label).open(offset);
          return new BlobFrom(in, ignoringRanges.contains(label) ? 0 : offset);
        };
    runner =
        new TransferRunner(
            cache,
            source,
            ledger,
            new MirrorBandwidth(Bandwidth.of(0), Bandwidth.of(0)),
            new AgentMetrics(new SimpleMeterRegistry(), ledger::inFlightCount),
            Duration.ofMillis(300),
            AgentSettings.DEFAULT_RELAY_WINDOW_BYTES,
            4);
  }

  @AfterEach
  void stop() {
    runner.close();
    cache.close();
  }

  private static TransferOrder from(String peer) {
    return new TransferOrder(
        DIGEST.toString(),
        CONTENT.length,
        null,
        "team/app",
        TransferSource.peer(peer, "https://10.0.0.1:30020"),
        "mirror-uid");
  }

  /** The order the operator sends again once it measured this node slow. */
  private static TransferOrder fromAsSlowReceiver(String peer) {
    TransferOrder paced = from(peer);
    return new TransferOrder(
        paced.digest(),
        paced.size(),
        paced.mediaType(),
        paced.repository(),
        paced.source(),
        paced.pinOwner(),
        true);
  }

  private BlobState state() {
    return cache.isComplete(DIGEST)
        ? new BlobState(
            DIGEST.toString(), BlobState.Phase.COMPLETE, CONTENT.length, null, null, null)
        : ledger.stateOf(DIGEST);
  }

  @Test
  void honestBytesBecomeAVerifiedBlob() {
    sources.put("peer/a", offset -> new ByteArrayInputStream(CONTENT));

    runner.submit(from("a"));

    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    assertThat(ledger.isInFlight(DIGEST)).isFalse();
  }

  @Test
  void corruptBytesAreDiscardedAndTheSourceIsNamed() {
    byte[] corrupt = CONTENT.clone();
    corrupt[3] ^= 1;
    sources.put("peer/liar", offset -> new ByteArrayInputStream(corrupt));

    runner.submit(from("liar"));

    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    BlobState failed = state();
    assertThat(failed.failureReason()).isEqualTo(Reason.DigestMismatch.name());
    assertThat(failed.source()).isEqualTo("peer/liar");
    assertThat(failed.failureMessage()).contains("bytes from peer/liar hashed to");
    assertThat(cache.find(DIGEST)).as("nothing of it stays in the cache").isEmpty();
  }

  @Test
  void aSourceThatStopsShortFailsWithTheCount() {
    sources.put("peer/short", offset -> new ByteArrayInputStream(CONTENT, 0, 5));

    runner.submit(from("short"));

    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    assertThat(state().failureReason()).isEqualTo(Reason.SizeMismatch.name());
    assertThat(state().failureMessage()).contains("ended after 5 of " + CONTENT.length + " bytes");
  }

  @Test
  void aSilentSourceIsCutOffAfterTheStallTimeout() {
    sources.put("peer/silent", offset -> new SilentStream());

    runner.submit(from("silent"));

    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    assertThat(state().failureReason()).isEqualTo(Reason.SourceUnreachable.name());
    assertThat(state().failureMessage()).contains("peer/silent sent nothing for");
  }

  @Test
  void anOrderFromAnotherSourceReplacesTheTransferInFlight() {
    sources.put("peer/gone", offset -> new SilentStream());
    sources.put("peer/alive", offset -> new ByteArrayInputStream(CONTENT));

    runner.submit(from("gone"));
    Awaitility.await().until(() -> ledger.isInFlight(DIGEST));
    runner.submit(from("alive"));

    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    assertThat(state().failureReason()).as("a replaced transfer is not a failure").isNull();
  }

  @Test
  void aSecondOrderFromTheSameSourceDoesNotStartASecondTransfer() throws Exception {
    CountDownLatch opened = new CountDownLatch(2);
    sources.put(
        "peer/a",
        offset -> {
          opened.countDown();
          return new SilentStream();
        });

    runner.submit(from("a"));
    runner.submit(from("a"));

    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    assertThat(opened.getCount()).as("opened once").isEqualTo(1);
  }

  @Test
  void aReplacementContinuesFromTheBytesAlreadyWritten() {
    sources.put("peer/slow", offset -> prefixThen(10, new SilentStream()));
    sources.put("peer/fast", this::rest);

    runner.submit(from("slow"));
    Awaitility.await().until(() -> received() == 10);
    runner.submit(from("fast"));

    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    assertThat(offsets.get("peer/fast")).containsExactly(10L);
    assertThat(state().failureReason()).isNull();
  }

  @Test
  void anOrderMarkingThisNodeSlowAsksTheSameSourceAgainUnpacedFromItsByte() {
    AtomicInteger opened = new AtomicInteger();
    CountDownLatch secondOrderSeen = new CountDownLatch(1);
    sources.put(
        "peer/relay",
        offset ->
            opened.getAndIncrement() == 0
                ? prefixThen(10, new SilentStream())
                : after(secondOrderSeen, rest(offset)));

    runner.submit(from("relay"));
    Awaitility.await().until(() -> received() == 10);
    runner.submit(fromAsSlowReceiver("relay"));
    Awaitility.await().until(() -> opened.get() == 2);
    // The operator may send it again: the transfer already asks unpaced, so it is left alone.
    runner.submit(fromAsSlowReceiver("relay"));
    secondOrderSeen.countDown();

    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    assertThat(offsets.get("peer/relay")).containsExactly(0L, 10L);
    assertThat(unpacedAsks.get("peer/relay")).containsExactly(false, true);
    assertThat(state().failureReason()).isNull();
  }

  /** Sends {@code then} once {@code gate} opens. */
  private static InputStream after(CountDownLatch gate, InputStream then) {
    return new FilterInputStream(then) {
      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException();
        }
        return super.read(buffer, offset, length);
      }
    };
  }

  @Test
  void anOrderMarkingThisNodeSlowLeavesATransferAlreadyUnpacedAlone() throws Exception {
    CountDownLatch opened = new CountDownLatch(2);
    sources.put(
        "peer/relay",
        offset -> {
          opened.countDown();
          return new SilentStream();
        });

    runner.submit(fromAsSlowReceiver("relay"));
    Awaitility.await().until(() -> ledger.isInFlight(DIGEST));
    runner.submit(fromAsSlowReceiver("relay"));

    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    assertThat(opened.getCount()).as("opened once").isEqualTo(1);
  }

  @Test
  void theBytesOfAFailedSourceWaitForTheNextOrderAndPeersKeepReadingThem() throws Exception {
    sources.put("peer/flaky", offset -> prefixThen(10, new BrokenStream()));
    sources.put("peer/good", this::rest);

    runner.submit(from("flaky"));
    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    assertThat(state().failureReason()).isEqualTo(Reason.SourceUnreachable.name());
    CompletableFuture<byte[]> peerRead =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = cache.find(DIGEST).orElseThrow().open(0, CONTENT.length)) {
                return in.readAllBytes();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });

    runner.submit(from("good"));

    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    assertThat(offsets.get("peer/good")).containsExactly(10L);
    assertThat(peerRead.get(10, TimeUnit.SECONDS))
        .as("what a peer reading the partial blob across the gap received")
        .isEqualTo(CONTENT);
    try (InputStream in = cache.find(DIGEST).orElseThrow().open(0, CONTENT.length)) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
  }

  @Test
  void keptBytesAreDiscardedWhenNoOrderFollowsWithinTheStallTimeout() {
    sources.put("peer/flaky", offset -> prefixThen(10, new BrokenStream()));

    runner.submit(from("flaky"));
    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);

    Awaitility.await().until(() -> cache.find(DIGEST).isEmpty());
  }

  @Test
  void aMismatchOfBytesFromSeveralSourcesBlamesNoPeer() {
    sources.put("peer/flaky", offset -> prefixThen(10, new BrokenStream()));
    byte[] corrupt = CONTENT.clone();
    corrupt[20] ^= 1;
    sources.put(
        "peer/liar",
        offset -> new ByteArrayInputStream(corrupt, (int) offset, corrupt.length - (int) offset));

    runner.submit(from("flaky"));
    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    runner.submit(from("liar"));

    Awaitility.await().until(() -> Reason.DigestMismatch.name().equals(state().failureReason()));
    assertThat(state().source()).isEqualTo(PartialBlob.MIXED_SOURCES);
    assertThat(cache.find(DIGEST)).isEmpty();
  }

  @Test
  void aStreamThatBrokeAfterItsLastByteNeedsOnlyTheCheck() {
    sources.put("peer/almost", offset -> prefixThen(CONTENT.length, new BrokenStream()));
    sources.put("peer/other", this::rest);

    runner.submit(from("almost"));
    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    runner.submit(from("other"));

    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    assertThat(offsets)
        .as("no source asked for bytes past the end")
        .doesNotContainKey("peer/other");
  }

  @Test
  void wrongBytesThatAllCameFromOneSourceNameItNotTheOrderThatOnlyChecked() {
    byte[] corrupt = CONTENT.clone();
    corrupt[3] ^= 1;
    sources.put(
        "peer/liar",
        offset -> new SequenceInputStream(new ByteArrayInputStream(corrupt), new BrokenStream()));
    sources.put("peer/other", this::rest);

    runner.submit(from("liar"));
    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    runner.submit(from("other"));

    Awaitility.await().until(() -> Reason.DigestMismatch.name().equals(state().failureReason()));
    assertThat(state().source()).isEqualTo("peer/liar");
  }

  @Test
  void aSourceThatIgnoresTheRangeHasTheBytesAlreadyHeldDropped() throws Exception {
    sources.put("peer/flaky", offset -> prefixThen(10, new BrokenStream()));
    sources.put("peer/whole", offset -> new ByteArrayInputStream(CONTENT));
    ignoringRanges.add("peer/whole");

    runner.submit(from("flaky"));
    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    runner.submit(from("whole"));

    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    try (InputStream in = cache.find(DIGEST).orElseThrow().open(0, CONTENT.length)) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
  }

  @Test
  void aSourceThatSendsTheWholeBlobAgainButEndsEarlyIsASizeMismatch() {
    sources.put("peer/flaky", offset -> prefixThen(10, new BrokenStream()));
    sources.put("peer/short", offset -> new ByteArrayInputStream(CONTENT, 0, 5));
    ignoringRanges.add("peer/short");

    runner.submit(from("flaky"));
    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    runner.submit(from("short"));

    Awaitility.await().until(() -> Reason.SizeMismatch.name().equals(state().failureReason()));
    assertThat(state().failureMessage())
        .isEqualTo("peer/short sent the whole blob again and ended after 5 bytes, before byte 10");
  }

  @Test
  void aLiarAfterASourceThatSentNothingIsStillNamed() {
    sources.put(
        "peer/empty",
        offset -> {
          throw new TransferFailure(Reason.SourceMissing, "peer/empty does not have it yet");
        });
    byte[] corrupt = CONTENT.clone();
    corrupt[3] ^= 1;
    sources.put("peer/liar", offset -> new ByteArrayInputStream(corrupt));

    runner.submit(from("empty"));
    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    runner.submit(from("liar"));

    Awaitility.await().until(() -> Reason.DigestMismatch.name().equals(state().failureReason()));
    assertThat(state().source()).isEqualTo("peer/liar");
  }

  @Test
  void wrongBytesAreReportedEvenWhenAReplacementArrivedBeforeTheCheck() {
    byte[] corrupt = CONTENT.clone();
    corrupt[3] ^= 1;
    sources.put("peer/other", this::rest);
    // The operator's order to switch source lands after the last byte, before the digest check.
    sources.put(
        "peer/liar",
        offset ->
            new SequenceInputStream(
                new ByteArrayInputStream(corrupt), atEnd(() -> runner.submit(from("other")))));

    runner.submit(from("liar"));

    Awaitility.await().until(() -> state().phase() == BlobState.Phase.FAILED);
    assertThat(state().failureReason()).isEqualTo(Reason.DigestMismatch.name());
    assertThat(state().source())
        .as("the operator hears whose bytes were wrong")
        .isEqualTo("peer/liar");
    assertThat(offsets)
        .as("the replacement was dropped: the operator re-plans around the liar")
        .doesNotContainKey("peer/other");
    assertThat(cache.find(DIGEST)).isEmpty();
  }

  @Test
  void switchingSourceMidTransferIsAChangeTheOperatorHears() {
    sources.put("peer/first", offset -> prefixThen(10, new SilentStream()));
    sources.put("peer/second", offset -> new SilentStream());

    runner.submit(from("first"));
    Awaitility.await().until(() -> received() == 10);
    long before = ledger.changes().version();
    runner.submit(from("second"));

    Awaitility.await().until(() -> "peer/second".equals(state().source()));
    assertThat(state().phase()).isEqualTo(BlobState.Phase.RECEIVING);
    assertThat(state().received()).isEqualTo(10);
    assertThat(ledger.changes().version()).isGreaterThan(before);
  }

  private long received() {
    return ledger.inFlight(DIGEST).map(entry -> entry.received.get()).orElse(-1L);
  }

  private InputStream rest(long offset) {
    return new ByteArrayInputStream(CONTENT, (int) offset, CONTENT.length - (int) offset);
  }

  private static InputStream prefixThen(int length, InputStream then) {
    return new SequenceInputStream(new ByteArrayInputStream(CONTENT, 0, length), then);
  }

  /** Ends at once, after running the action on the transfer's thread. */
  private static InputStream atEnd(Runnable action) {
    return new InputStream() {
      private boolean ran;

      @Override
      public int read() {
        if (!ran) {
          ran = true;
          action.run();
        }
        return -1;
      }
    };
  }

  /** Fails on the first read, like a connection the peer reset. */
  static final class BrokenStream extends InputStream {
    @Override
    public int read() throws IOException {
      throw new IOException("connection reset");
    }
  }

  /** Blocks until closed or interrupted, like a peer whose host vanished. */
  static final class SilentStream extends InputStream {
    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public int read() throws IOException {
      try {
        closed.await();
      } catch (InterruptedException e) {
        throw new InterruptedIOException("interrupted");
      }
      throw new IOException("closed");
    }

    @Override
    public void close() {
      closed.countDown();
    }
  }
}
