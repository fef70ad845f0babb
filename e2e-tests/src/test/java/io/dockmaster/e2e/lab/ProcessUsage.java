package io.dockmaster.e2e.lab;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the kernel says one process used so far, from {@code /proc/<pid>/status} and {@code
 * /proc/<pid>/stat}: what a container's memory limit and CPU request would have to cover.
 *
 * @param peakRssBytes VmHWM, the most resident memory the process ever had
 * @param rssBytes VmRSS, resident memory now
 * @param cpuTicks user plus system time in USER_HZ ticks (see {@link #TICKS_PER_SECOND})
 */
public record ProcessUsage(long peakRssBytes, long rssBytes, long cpuTicks) {

  /** USER_HZ, the unit of /proc/<pid>/stat CPU times: 100 on every Linux architecture we run. */
  public static final double TICKS_PER_SECOND = 100;

  public double cpuSeconds() {
    return cpuTicks / TICKS_PER_SECOND;
  }

  /** Empty once the process is gone (or was never there). */
  public static Optional<ProcessUsage> of(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      String status = Files.readString(proc.resolve("status"));
      String stat = Files.readString(proc.resolve("stat"));
      // Fields after "(comm)", which may itself hold spaces: state is [0], utime [11], stime [12].
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(
          new ProcessUsage(
              kibibytes(status, "VmHWM") * 1024,
              kibibytes(status, "VmRSS") * 1024,
              Long.parseLong(fields[11]) + Long.parseLong(fields[12])));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * CPU ticks so far per kind of thread, named as the JVM names them without thread numbers ("C2
   * CompilerThre", "vert.x-eventloo", "HttpClient--Wo"...; names are cut at 15 characters): where a
   * JVM's CPU goes, JIT and GC included, which a Java profiler does not show. Empty once the
   * process is gone.
   */
  public static Map<String, Long> ticksByThread(long pid) {
    Map<String, Long> ticks = new TreeMap<>();
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        try {
          String name =
              Files.readString(task.resolve("comm")).strip().replaceAll("(?<![A-Z])[0-9]+", "");
          String stat = Files.readString(task.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          ticks.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
        } catch (IOException e) {
          // the thread ended while we looked
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return ticks;
  }

  /** A "Name: 1234 kB" line of /proc/<pid>/status; 0 if absent (a zombie has no memory). */
  private static long kibibytes(String status, String name) {
    return status
        .lines()
        .filter(line -> line.startsWith(name + ":"))
        .map(line -> line.substring(name.length() + 1).strip().split("\\s+")[0])
        .mapToLong(Long::parseLong)
        .findFirst()
        .orElse(0);
  }
}
