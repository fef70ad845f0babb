package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.ReceivedPiece;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One blob fetched as byte-range pieces from several sources into a real cache. */
class PieceTransfersTest {

  private static final byte[] CONTENT = new byte[90_000];
  private static final Digest DIGEST;
  private static final List<BlobPiece> PIECES;

  static {
    new Random(11).nextBytes(CONTENT);
    DIGEST = Digest.sha256(CONTENT);
    PIECES =
        List.of(
            new BlobPiece(DIGEST, 0, 30_000),
            new BlobPiece(DIGEST, 30_000, 30_000),
            new BlobPiece(DIGEST, 60_000, 30_000));
  }

  @TempDir Path dir;
  private BlobCache cache;
  private TransferLedger ledger;
  private TransferRunner runner;

  /** What each source sends: the blob's bytes as it holds them. */
  private final Map<String, byte[]> held = new ConcurrentHashMap<>();

  /** Sources that send the whole blob whatever range they are asked for. */
  private final Set<String> ignoringRanges = ConcurrentHashMap.newKeySet();

  /** Sources that break off after this many bytes of a piece. */
  private final Map<String, Integer> breakingAfter = new ConcurrentHashMap<>();

  /** Bytes read from sources that sent the whole blob. */
  private final java.util.concurrent.atomic.AtomicLong readOfWhole =
      new java.util.concurrent.atomic.AtomicLong();

  /** Each source's requests: the piece's first byte plus the offset asked within it. */
  private final Map<String, List<Long>> asked = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    cache = BlobCache.open(dir, CacheLimits.ofCapacity(1 << 20), new SimpleMeterRegistry());
    ledger = new TransferLedger();
    // Keeps BlobSource's contract: a piece's positions count from its first byte.
    BlobSource source =
        (order, digest, offset) -> {
          String label = order.source().label();
          BlobPiece piece = order.piece();
          long first = piece.offset() + offset;
          asked.computeIfAbsent(label, l -> new CopyOnWriteArrayList<>()).add(first);
          byte[] bytes = held.get(label);
          if (ignoringRanges.contains(label)) {
            InputStream whole =
                new java.io.FilterInputStream(new ByteArrayInputStream(bytes)) {
                  @Override
                  public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    readOfWhole.addAndGet(Math.max(0, n));
                    return n;
                  }
                };
            return new BlobFrom(whole, -piece.offset());
          }
          int end = (int) piece.end();
          if (breakingAfter.containsKey(label)) {
            end = (int) Math.min(end, first + breakingAfter.remove(label));
            return new BlobFrom(breaking(Arrays.copyOfRange(bytes, (int) first, end)), offset);
          }
          return new BlobFrom(
              new ByteArrayInputStream(Arrays.copyOfRange(bytes, (int) first, end)), offset);
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

  @Test
  void piecesFromDifferentSourcesMakeTheVerifiedBlob() throws Exception {
    held.put("peer/a", CONTENT);
    held.put("peer/b", CONTENT);
    held.put("upstream", CONTENT);

    runner.submit(order(2, "a"));
    runner.submit(order(0, "b"));
    runner.submit(order(1, null));

    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    try (InputStream in = cache.find(DIGEST).orElseThrow().open()) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
    assertThat(asked)
        .containsEntry("peer/a", List.of(60_000L))
        .containsEntry("peer/b", List.of(0L))
        .containsEntry("upstream", List.of(30_000L));
  }

  @Test
  void aSourceThatSendsTheWholeBlobForAPieceGivesOnlyThatPiece() throws Exception {
    held.put("peer/a", CONTENT);
    ignoringRanges.add("peer/a");

    runner.submit(order(1, "a"));

    BlobPiece middle = PIECES.get(1);
    Awaitility.await().until(() -> pieceWritten(middle));
    try (InputStream in = cache.find(middle.key()).orElseThrow().open()) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(CONTENT, 30_000, 60_000));
    }
    assertThat(cache.find(PIECES.get(0).key())).isEmpty();
    assertThat(cache.isComplete(DIGEST)).isFalse();
    assertThat(readOfWhole.get())
        .as("the rest of the blob is left unread: the connection closes")
        .isLessThan(CONTENT.length);
  }

  @Test
  void aPieceContinuesFromItsOwnByteWhenItsSourceBreaksOff() throws Exception {
    held.put("peer/a", CONTENT);
    held.put("peer/b", CONTENT);
    breakingAfter.put("peer/a", 10_000);

    runner.submit(order(2, "a"));
    Awaitility.await()
        .until(() -> ledger.stateOf(PIECES.get(2).key()).phase() == BlobState.Phase.FAILED);
    runner.submit(order(2, "b"));

    Awaitility.await().until(() -> pieceWritten(PIECES.get(2)));
    assertThat(asked.get("peer/b")).containsExactly(70_000L);
  }

  @Test
  void piecesThatDoNotAddUpDiscardTheBlobAndNameEverySourceOfIt() throws Exception {
    byte[] corrupt = CONTENT.clone();
    corrupt[45_000] ^= 1;
    held.put("peer/a", CONTENT);
    held.put("peer/b", corrupt);
    runner.submit(order(0, "a"));
    runner.submit(order(2, "a"));
    Awaitility.await().until(() -> pieceWritten(PIECES.get(0)) && pieceWritten(PIECES.get(2)));

    runner.submit(order(1, "b"));

    BlobPiece last = PIECES.get(1);
    Awaitility.await().until(() -> ledger.stateOf(last.key()).phase() == BlobState.Phase.FAILED);
    BlobState failed = ledger.stateOf(last.key());
    assertThat(failed.failureReason()).isEqualTo("DigestMismatch");
    assertThat(failed.source()).isEqualTo(PartialBlob.MIXED_SOURCES);
    assertThat(failed.pieceSources())
        .as("which piece was wrong is unknown, so every sender of one is named")
        .containsExactlyInAnyOrder("peer/a", "peer/b");
    assertThat(failed.receivedPieces())
        .as("what each piece held, and who sent it, for the operator to compare with their copies")
        .containsExactly(
            new ReceivedPiece(0, 30_000, "peer/a", sha256(CONTENT, 0)),
            new ReceivedPiece(30_000, 30_000, "peer/b", sha256(corrupt, 30_000)),
            new ReceivedPiece(60_000, 30_000, "peer/a", sha256(CONTENT, 60_000)));
    assertThat(failed.failureMessage())
        .contains("every piece of it was discarded")
        .contains("peer/a")
        .contains("peer/b");
    assertThat(cache.isComplete(DIGEST)).isFalse();
    assertThat(cache.find(PIECES.get(0).key())).isEmpty();

    // Nothing of the discarded assembly is left over: the blob assembles from a good source.
    held.put("peer/c", CONTENT);
    for (int i = 0; i < PIECES.size(); i++) {
      runner.submit(order(i, "c"));
    }
    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    try (InputStream in = cache.find(DIGEST).orElseThrow().open()) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
  }

  @Test
  void piecesAllFromOneSourceThatDoNotAddUpBlameThatSource() throws Exception {
    byte[] corrupt = CONTENT.clone();
    corrupt[75_000] ^= 1;
    held.put("peer/b", corrupt);

    for (int i = 0; i < PIECES.size(); i++) {
      runner.submit(order(i, "b"));
    }

    Awaitility.await()
        .until(
            () ->
                PIECES.stream()
                    .anyMatch(p -> ledger.stateOf(p.key()).phase() == BlobState.Phase.FAILED));
    BlobState failed =
        PIECES.stream()
            .map(p -> ledger.stateOf(p.key()))
            .filter(state -> state.phase() == BlobState.Phase.FAILED)
            .findFirst()
            .orElseThrow();
    assertThat(failed.failureReason()).isEqualTo("DigestMismatch");
    assertThat(failed.source()).isEqualTo("peer/b");
    assertThat(failed.pieceSources()).as("the one sender is the source itself").isNull();
    assertThat(cache.isComplete(DIGEST)).isFalse();
  }

  @Test
  void aPieceAlreadyWrittenOrOfACompleteBlobIsNotFetchedAgain() throws Exception {
    held.put("peer/a", CONTENT);
    runner.submit(order(0, "a"));
    Awaitility.await().until(() -> pieceWritten(PIECES.get(0)));

    runner.submit(order(0, "a"));
    runner.submit(order(1, "a"));
    runner.submit(order(2, "a"));
    Awaitility.await().until(() -> cache.isComplete(DIGEST));
    runner.submit(order(1, "a"));

    Awaitility.await()
        .during(Duration.ofMillis(300))
        .until(() -> asked.get("peer/a").size() == 3 && ledger.inFlightCount() == 0);
  }

  private boolean pieceWritten(BlobPiece piece) {
    return !ledger.isInFlight(piece.key())
        && cache.find(piece.key()).map(h -> h.isComplete()).orElse(false);
  }

  /** An order for one piece, from a peer or (null) from upstream. */
  private static TransferOrder order(int piece, String peer) {
    return new TransferOrder(
        DIGEST.toString(),
        CONTENT.length,
        null,
        "team/app",
        peer == null
            ? TransferSource.upstream(
                io.dockmaster.control.UpstreamAccess.anonymous("registry.example", false))
            : TransferSource.peer(peer, "https://10.0.0.1:30020"),
        "mirror-uid",
        false,
        PIECES.get(piece));
  }

  /** Sends {@code bytes}, then fails as a broken connection does. */
  private static InputStream breaking(byte[] bytes) {
    return new java.io.SequenceInputStream(
        new ByteArrayInputStream(bytes),
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("connection reset");
          }
        });
  }

  private static String sha256(byte[] content, int offset) {
    return Digest.sha256(Arrays.copyOfRange(content, offset, offset + 30_000)).toString();
  }
}
