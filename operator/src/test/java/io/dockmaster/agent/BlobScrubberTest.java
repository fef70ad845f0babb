package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobWrite;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.registry.Digest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scrub passes over a real cache on disk. */
class BlobScrubberTest {

  @TempDir Path directory;

  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private BlobCache cache;
  private TransferLedger ledger;
  private BlobVerifier verifier;
  private BlobScrubber scrubber;

  @BeforeEach
  void open() throws Exception {
    cache = BlobCache.open(directory, CacheLimits.ofCapacity(1 << 22), meters);
    ledger = new TransferLedger();
    verifier = new BlobVerifier(cache, ledger.changes());
  }

  @AfterEach
  void close() {
    if (scrubber != null) {
      scrubber.close();
    }
    verifier.close();
    cache.close();
  }

  @Test
  void aPassDropsTheBlobThatRottedKeepsTheRestAndTellsTheOperator() throws Exception {
    Digest intact = store(100_000, 1);
    Digest rotten = store(50_000, 2);
    Path file = directory.resolve("blobs/sha256/" + rotten.hex());
    byte[] bytes = Files.readAllBytes(file);
    bytes[10_000] ^= 0x01;
    Files.write(file, bytes);
    long versionBefore = ledger.changes().version();

    scrubber = scrubEvery(Duration.ofHours(1));

    Awaitility.await()
        .until(() -> meters.scrape().contains("dockmaster_agent_scrub_passes_total 1.0"));
    assertThat(cache.isComplete(rotten)).isFalse();
    assertThat(cache.isComplete(intact)).isTrue();
    assertThat(ledger.changes().version())
        .as("the inventory version moves, so the operator re-plans the dropped blob")
        .isGreaterThan(versionBefore);
    assertThat(meters.scrape())
        .contains("dockmaster_agent_scrub_bytes_total{outcome=\"intact\"} 100000.0")
        .contains("dockmaster_agent_scrub_bytes_total{outcome=\"discarded\"} 50000.0");
  }

  @Test
  void passesRepeatAtTheInterval() throws Exception {
    store(1_000, 3);

    scrubber = scrubEvery(Duration.ofMillis(200));

    Awaitility.await()
        .until(() -> meters.scrape().contains("dockmaster_agent_scrub_passes_total 3.0"));
  }

  @Test
  void theScrubSeriesExistBeforeAnyPassSoAStoppedScrubCanBeAlertedOn() {
    new AgentMetrics(meters, ledger::inFlightCount);

    assertThat(meters.scrape())
        .contains("dockmaster_agent_scrub_passes_total 0.0")
        .contains("dockmaster_agent_scrub_bytes_total{outcome=\"discarded\"} 0.0");
  }

  @Test
  void scrubbingOnNeedsARate() {
    assertThatThrownBy(() -> new ScrubSchedule(Duration.ofHours(24), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the scrub rate must be positive when scrubbing is on, got 0");
    assertThat(ScrubSchedule.off().enabled()).isFalse();
  }

  private BlobScrubber scrubEvery(Duration interval) {
    return new BlobScrubber(
        cache,
        verifier,
        new ScrubSchedule(interval, 1L << 30),
        new AgentMetrics(meters, ledger::inFlightCount),
        Duration.ZERO);
  }

  private Digest store(int size, long seed) throws Exception {
    byte[] content = new byte[size];
    new Random(seed).nextBytes(content);
    Digest digest = Digest.sha256(content);
    try (BlobWrite write = cache.startWrite(digest, size, null).orElseThrow()) {
      write.write(content);
      write.commit();
    }
    return digest;
  }
}
