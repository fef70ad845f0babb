package io.dockmaster.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The CPU picture of one measured window: the machine's, the webhook JVM's, this JVM's (the load
 * generator, with its own GC pauses, which delay sends) and the dev cluster's. Other people's
 * builds share this 2-core machine; a window in which they took CPU is measured again, up to a
 * limit, and the least disturbed attempt is kept and reported as such.
 */
final class CpuWindow {

  /** Other processes may use this many cores during a window that counts as undisturbed. */
  static final double OTHERS_LIMIT = 0.3;

  /** A measurement, the CPU use of its window, and which attempt it was. */
  record Measured<T>(T result, BenchReport.Cpu cpu, int attempt, int attempts) {
    String describe() {
      return cpu.describe()
          + (attempts == 1 ? "" : " (attempt %d of %d)".formatted(attempt, attempts));
    }
  }

  /** The processes whose CPU a window attributes: the webhook and the dev cluster. */
  record Watched(WebhookProcess webhook, List<ProcessHandle> devCluster) {
    Duration devClusterCpu() {
      return devCluster.stream()
          .map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
          .reduce(Duration.ZERO, Duration::plus);
    }
  }

  private final Watched watched;
  private final MachineLoad.Sample machine;
  private final Map<Long, Long> processes;
  private final Duration webhookCpu;
  private final Duration benchCpu;
  private final Duration clusterCpu;
  private final long gcCount;
  private final long gcMillis;

  private CpuWindow(Watched watched) {
    this.watched = watched;
    this.machine = MachineLoad.now();
    this.processes = MachineLoad.processTicks();
    this.webhookCpu = watched.webhook().cpuTime();
    this.benchCpu = ownCpu();
    this.clusterCpu = watched.devClusterCpu();
    this.gcCount = ownGc(GarbageCollectorMXBean::getCollectionCount);
    this.gcMillis = ownGc(GarbageCollectorMXBean::getCollectionTime);
  }

  static CpuWindow open(Watched watched) {
    return new CpuWindow(watched);
  }

  BenchReport.Cpu close() {
    MachineLoad.Sample end = MachineLoad.now();
    Set<Long> ours = new HashSet<>();
    ours.add(watched.webhook().pid());
    ours.add(ProcessHandle.current().pid());
    watched.devCluster().forEach(process -> ours.add(process.pid()));
    return new BenchReport.Cpu(
        MachineLoad.othersCores(
            processes,
            MachineLoad.processTicks(),
            ours,
            Duration.ofNanos(end.nanos() - machine.nanos())),
        MachineLoad.cores(watched.webhook().cpuTime().minus(webhookCpu), machine, end),
        MachineLoad.cores(ownCpu().minus(benchCpu), machine, end),
        MachineLoad.cores(watched.devClusterCpu().minus(clusterCpu), machine, end),
        ownGc(GarbageCollectorMXBean::getCollectionCount) - gcCount,
        ownGc(GarbageCollectorMXBean::getCollectionTime) - gcMillis);
  }

  private static long ownGc(java.util.function.ToLongFunction<GarbageCollectorMXBean> value) {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(value)
        .filter(v -> v > 0)
        .sum();
  }

  /**
   * Runs {@code attempt} (given its 0-based index) until other processes stay under {@link
   * #OTHERS_LIMIT} during one, at most {@code attempts} times; keeps the least disturbed.
   */
  static <T> Measured<T> quietest(
      String what, int attempts, Watched watched, IntFunction<T> attempt) {
    Measured<T> best = null;
    int made = 0;
    for (int i = 0; i < attempts; i++) {
      made++;
      CpuWindow window = open(watched);
      T result = attempt.apply(i);
      BenchReport.Cpu cpu = window.close();
      if (best == null || cpu.others() < best.cpu().others()) {
        best = new Measured<>(result, cpu, i + 1, i + 1);
      }
      if (cpu.others() <= OTHERS_LIMIT) {
        break;
      }
      if (i + 1 < attempts) {
        AdmissionBenchmark.say(
            "%s: other processes used %.2f cores during the window; measuring again"
                .formatted(what, cpu.others()));
      }
    }
    return new Measured<>(best.result(), best.cpu(), best.attempt(), made);
  }

  private static Duration ownCpu() {
    return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
  }
}
