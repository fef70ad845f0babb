package io.dockmaster.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The webhook JVM's GC pauses, from its unified GC log ({@code -Xlog:gc:file=...}): a pause stops
 * every request in flight, so at 500 req/s one pause of a few milliseconds shows up in the p99.
 */
final class GcLog {

  /** e.g. {@code GC(12) Pause Young (Normal) (G1 Evacuation Pause) 120M->20M(384M) 5.123ms}. */
  private static final Pattern PAUSE = Pattern.compile("\\bPause .* ([0-9.]+)ms$");

  /** Heap before and after a young collection: what the application allocated since the last. */
  private static final Pattern HEAP = Pattern.compile("Pause Young.* (\\d+)M->(\\d+)M");

  private static final Pattern GC_NAME = Pattern.compile("Using (.+)$", Pattern.MULTILINE);

  /**
   * Pauses logged in a window.
   *
   * @param reclaimedMegabytes freed by young collections: about what the webhook allocated
   */
  record Pauses(int count, double totalMillis, double maxMillis, long reclaimedMegabytes) {
    String describe() {
      return "%d GC pauses, %s in total, longest %s%s"
          .formatted(
              count,
              LatencyStats.ms(totalMillis),
              LatencyStats.ms(maxMillis),
              reclaimedMegabytes == 0
                  ? ""
                  : "; young collections freed %d MB".formatted(reclaimedMegabytes));
    }
  }

  private final Path file;
  private long mark;

  GcLog(Path file) {
    this.file = file;
  }

  /** The JVM option that writes this log; ZGC logs its pauses as phases. */
  String option() {
    return "-Xlog:gc,gc+phases:file=" + file;
  }

  /** The collector the JVM chose, from the log's first lines ("Using G1"). */
  String collector() {
    Matcher name = GC_NAME.matcher(read(0));
    return name.find() ? name.group(1) : "?";
  }

  void mark() {
    mark = file.toFile().length();
  }

  Pauses sinceMark() {
    int count = 0;
    double total = 0;
    double max = 0;
    long reclaimed = 0;
    for (String line : read(mark).lines().toList()) {
      Matcher heap = HEAP.matcher(line);
      if (heap.find()) {
        reclaimed += Long.parseLong(heap.group(1)) - Long.parseLong(heap.group(2));
      }
      Matcher pause = PAUSE.matcher(line);
      if (pause.find()) {
        double millis = Double.parseDouble(pause.group(1));
        count++;
        total += millis;
        max = Math.max(max, millis);
      }
    }
    return new Pauses(count, total, max, reclaimed);
  }

  private String read(long offset) {
    try (RandomAccessFile log = new RandomAccessFile(file.toFile(), "r")) {
      byte[] bytes = new byte[(int) Math.max(0, log.length() - offset)];
      log.seek(offset);
      log.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the GC log " + file, e);
    }
  }
}
