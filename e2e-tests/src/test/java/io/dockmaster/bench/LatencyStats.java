package io.dockmaster.bench;

import java.util.List;
import org.HdrHistogram.Histogram;

/** Percentiles of one set of latencies, in milliseconds, from an HdrHistogram of microseconds. */
record LatencyStats(
    long count, double mean, double p50, double p90, double p99, double p999, double max) {

  /** Microseconds, three significant digits, up to a minute. */
  static Histogram histogram() {
    return new Histogram(60_000_000L, 3);
  }

  static LatencyStats of(Histogram micros) {
    if (micros.getTotalCount() == 0) {
      return new LatencyStats(0, 0, 0, 0, 0, 0, 0);
    }
    return new LatencyStats(
        micros.getTotalCount(),
        micros.getMean() / 1000.0,
        micros.getValueAtPercentile(50) / 1000.0,
        micros.getValueAtPercentile(90) / 1000.0,
        micros.getValueAtPercentile(99) / 1000.0,
        micros.getValueAtPercentile(99.9) / 1000.0,
        micros.getMaxValue() / 1000.0);
  }

  static LatencyStats ofNanos(List<Long> nanos) {
    Histogram histogram = histogram();
    nanos.forEach(n -> histogram.recordValue(Math.max(1, n / 1000)));
    return of(histogram);
  }

  String summary() {
    return "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (mean %s, n=%d)"
        .formatted(ms(p50), ms(p90), ms(p99), ms(p999), ms(max), ms(mean), count);
  }

  static String ms(double millis) {
    if (millis >= 100) {
      return "%.0f ms".formatted(millis);
    }
    return millis >= 10 ? "%.1f ms".formatted(millis) : "%.2f ms".formatted(millis);
  }
}
