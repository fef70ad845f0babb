package io.dockmaster.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Every blob cache meter, in one place. Prometheus names: {@code
 * dockmaster_agent_cache_used_bytes}, {@code _capacity_bytes}, {@code _pinned_bytes}, {@code
 * _blobs}, {@code _writes_in_progress}, {@code _evictions_total}, {@code _evicted_bytes_total} and
 * {@code _digest_mismatches_total}.
 */
final class CacheMetrics {

  private static final String PREFIX = "dockmaster.agent.cache.";

  private final MeterRegistry registry;
  private final List<Meter> meters;
  private final Counter evictions;
  private final Counter evictedBytes;
  private final Counter digestMismatches;

  CacheMetrics(MeterRegistry registry, Supplier<CacheUsage> usage) {
    this.registry = registry;
    this.evictions =
        Counter.builder(PREFIX + "evictions")
            .description("Blobs evicted from the node cache to make room")
            .register(registry);
    this.evictedBytes =
        Counter.builder(PREFIX + "evicted")
            .baseUnit("bytes")
            .description("Bytes evicted from the node cache to make room")
            .register(registry);
    this.digestMismatches =
        Counter.builder(PREFIX + "digest.mismatches")
            .description("Blob writes discarded because the content did not match the digest")
            .register(registry);
    this.meters =
        List.of(
            evictions,
            evictedBytes,
            digestMismatches,
            gauge(
                "used",
                "bytes",
                "Bytes of complete blobs plus writes in progress",
                usage,
                CacheUsage::usedBytes),
            gauge(
                "capacity", "bytes", "Configured cache capacity", usage, CacheUsage::capacityBytes),
            gauge(
                "pinned",
                "bytes",
                "Bytes of complete blobs pinned by mirrored images",
                usage,
                CacheUsage::pinnedBytes),
            gauge("blobs", null, "Complete blobs in the cache", usage, CacheUsage::completeBlobs),
            gauge(
                "writes.in.progress",
                null,
                "Blob writes in progress",
                usage,
                CacheUsage::inProgress));
  }

  void evicted(long bytes) {
    evictions.increment();
    evictedBytes.increment(bytes);
  }

  void digestMismatch() {
    digestMismatches.increment();
  }

  /** Removes this cache's meters, so a closed cache is no longer reported or kept alive. */
  void remove() {
    meters.forEach(registry::remove);
  }

  private Gauge gauge(
      String name,
      String unit,
      String description,
      Supplier<CacheUsage> usage,
      ToDoubleFunction<CacheUsage> value) {
    return Gauge.builder(PREFIX + name, usage, supplier -> value.applyAsDouble(supplier.get()))
        .baseUnit(unit)
        .description(description)
        .strongReference(true)
        .register(registry);
  }
}
