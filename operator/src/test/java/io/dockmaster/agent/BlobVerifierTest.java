package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobWrite;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.control.BlobCheck.Outcome;
import io.dockmaster.control.BlobRange;
import io.dockmaster.control.BlobVerifications;
import io.dockmaster.control.RangeDigest;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Re-checks a peer asks for, over a real cache on disk. */
class BlobVerifierTest {

  private static final BlobRange FIRST = new BlobRange(0, 30_000);
  private static final BlobRange LAST = new BlobRange(60_000, 40_000);

  @TempDir Path directory;

  private BlobCache cache;
  private BlobVerifier verifier;
  private final byte[] content = new byte[100_000];

  @BeforeEach
  void open() throws Exception {
    cache = BlobCache.open(directory, CacheLimits.ofCapacity(1 << 22), new SimpleMeterRegistry());
    verifier = new BlobVerifier(cache, new TransferLedger().changes());
    new Random(7).nextBytes(content);
  }

  @AfterEach
  void close() {
    verifier.close();
    cache.close();
  }

  @Test
  void anIntactCopyHashesTheRangesAskedOfIt() throws Exception {
    Digest blob = store();

    List<BlobCheck> checks = verify(blob, FIRST, LAST);

    assertThat(checks)
        .containsExactly(
            new BlobCheck(
                blob.toString(),
                Outcome.INTACT,
                List.of(
                    new RangeDigest(0, 30_000, sha256(0, 30_000)),
                    new RangeDigest(60_000, 40_000, sha256(60_000, 100_000)))));
  }

  @Test
  void aRangePastTheBlobsEndIsNotHashed() throws Exception {
    Digest blob = store();

    assertThat(verify(blob, new BlobRange(90_000, 20_000), FIRST))
        .containsExactly(
            new BlobCheck(
                blob.toString(),
                Outcome.INTACT,
                List.of(new RangeDigest(0, 30_000, sha256(0, 30_000)))));
  }

  @Test
  void aCopyThatRottedIsDroppedAndNoRangeHashed() throws Exception {
    Digest blob = store();
    Path file = directory.resolve("blobs/sha256/" + blob.hex());
    byte[] bytes = Files.readAllBytes(file);
    bytes[10] ^= 1;
    Files.write(file, bytes);

    assertThat(verify(blob, FIRST))
        .containsExactly(new BlobCheck(blob.toString(), Outcome.DISCARDED));
    assertThat(cache.isComplete(blob)).isFalse();
  }

  @Test
  void withoutRangesOnlyTheCopyIsChecked() throws Exception {
    Digest blob = store();
    Digest absent = Digest.sha256(new byte[] {1});

    List<BlobCheck> checks =
        verifier
            .verify(new BlobVerifications(List.of(blob.toString(), absent.toString())))
            .get(10, TimeUnit.SECONDS);

    assertThat(checks)
        .containsExactly(
            new BlobCheck(blob.toString(), Outcome.INTACT),
            new BlobCheck(absent.toString(), Outcome.ABSENT));
  }

  private List<BlobCheck> verify(Digest blob, BlobRange... ranges) throws Exception {
    return verifier
        .verify(
            new BlobVerifications(
                List.of(blob.toString()), Map.of(blob.toString(), List.of(ranges))))
        .get(10, TimeUnit.SECONDS);
  }

  private String sha256(int from, int to) {
    return Digest.sha256(Arrays.copyOfRange(content, from, to)).toString();
  }

  private Digest store() throws Exception {
    Digest digest = Digest.sha256(content);
    try (BlobWrite write = cache.startWrite(digest, content.length, null).orElseThrow()) {
      write.write(content);
      write.commit();
    }
    return digest;
  }
}
