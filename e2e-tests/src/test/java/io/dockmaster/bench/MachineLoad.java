package io.dockmaster.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How busy the machine's CPUs were: on a shared 2-core machine another build running beside the
 * benchmark moves every latency figure, so measuring waits for a quiet machine first ({@code
 * /proc/stat}) and each window reports the CPU every process used ({@code /proc/<pid>/stat}, which
 * unlike the tick-sampled {@code /proc/stat} also counts the webhook's sub-tick bursts).
 */
final class MachineLoad {

  /** Cumulative CPU ticks of all cores at one moment. */
  record Sample(long nanos, long busy, long total) {}

  private static final int CORES = Runtime.getRuntime().availableProcessors();

  /** USER_HZ, the unit of /proc/<pid>/stat CPU times; 100 on every Linux architecture we run. */
  private static final double TICKS_PER_SECOND = 100;

  private MachineLoad() {}

  static Sample now() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      long idle = 0;
      // cpu user nice system idle iowait irq softirq steal (guest time is already in user)
      for (int i = 1; i <= 8 && i < fields.length; i++) {
        long value = Long.parseLong(fields[i]);
        total += value;
        if (i == 4 || i == 5) {
          idle += value;
        }
      }
      return new Sample(System.nanoTime(), total - idle, total);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/stat", e);
    }
  }

  /** Cores' worth of CPU in use between two samples, 0 to the number of cores. */
  static double busyCores(Sample from, Sample to) {
    long total = to.total() - from.total();
    return total <= 0 ? 0 : CORES * (double) (to.busy() - from.busy()) / total;
  }

  static double cores(Duration cpu, Sample from, Sample to) {
    return cpu.toNanos() / (double) (to.nanos() - from.nanos());
  }

  /**
   * Waits until less than {@code threshold} cores are busy over a few seconds, at most {@code
   * limit}; returns the last level seen, so the report can say the machine never got quiet.
   */
  static double awaitQuiet(double threshold, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    boolean told = false;
    while (true) {
      Sample start = now();
      Thread.sleep(3_000);
      double busy = busyCores(start, now());
      if (busy < threshold || System.nanoTime() > deadline) {
        return busy;
      }
      if (!told) {
        AdmissionBenchmark.say(
            "machine busy (%.2f of %d cores in use by other processes); waiting up to %ds for"
                    .formatted(busy, CORES, limit.toSeconds())
                + " it to quieten");
        told = true;
      }
    }
  }

  /** CPU ticks (user + system) of every process now, by pid. */
  static Map<Long, Long> processTicks() {
    Map<Long, Long> ticks = new HashMap<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      entries
          .filter(entry -> entry.getFileName().toString().chars().allMatch(Character::isDigit))
          .forEach(
              entry -> {
                try {
                  String stat = Files.readString(entry.resolve("stat"));
                  // Fields after "(comm)": state is [0], utime [11], stime [12].
                  String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                  ticks.put(
                      Long.parseLong(entry.getFileName().toString()),
                      Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
                } catch (IOException | RuntimeException e) {
                  // The process exited while we looked.
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list /proc", e);
    }
    return ticks;
  }

  /** Cores' worth of CPU the processes outside {@code excluded} used between two scans. */
  static double othersCores(
      Map<Long, Long> from, Map<Long, Long> to, Set<Long> excluded, Duration wall) {
    long ticks = 0;
    for (Map.Entry<Long, Long> process : to.entrySet()) {
      if (!excluded.contains(process.getKey())) {
        ticks += process.getValue() - from.getOrDefault(process.getKey(), 0L);
      }
    }
    return ticks / TICKS_PER_SECOND / (wall.toNanos() / 1e9);
  }

  static int cores() {
    return CORES;
  }
}
