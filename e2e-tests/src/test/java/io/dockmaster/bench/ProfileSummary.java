package io.dockmaster.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the webhook's CPU went during the warm phase: a JFR recording of the jar (started and
 * stopped with jcmd), read back here into the hottest methods by own time and by time including
 * what they call, plus GC pauses. Sampling, so the counts are proportions, not exact times.
 */
final class ProfileSummary {

  private static final int TOP = 12;

  private ProfileSummary() {}

  static void start(ExternalCommand commands, long pid, Path file) {
    commands
        .run(
            "jcmd",
            Long.toString(pid),
            "JFR.start",
            "name=bench",
            "settings=profile",
            "filename=" + file)
        .orFail();
  }

  static void stop(ExternalCommand commands, long pid) {
    commands.run("jcmd", Long.toString(pid), "JFR.stop", "name=bench").orFail();
  }

  static String describe(Path file) {
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> ours = new HashMap<>();
    Map<String, Integer> categories = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    int samples = 0;
    int pauses = 0;
    Duration paused = Duration.ZERO;
    Duration longestPause = Duration.ZERO;
    try {
      for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
        String type = event.getEventType().getName();
        if (type.equals("jdk.GCPhasePause")) {
          pauses++;
          paused = paused.plus(event.getDuration());
          if (event.getDuration().compareTo(longestPause) > 0) {
            longestPause = event.getDuration();
          }
        }
        if (!type.equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
          continue;
        }
        samples++;
        List<RecordedFrame> frames = event.getStackTrace().getFrames();
        if (!frames.isEmpty()) {
          self.merge(name(frames.get(0)), 1, Integer::sum);
        }
        categories.merge(category(frames), 1, Integer::sum);
        Set<String> seen = new HashSet<>();
        for (RecordedFrame frame : frames) {
          if (typeName(frame).startsWith("io.dockmaster.") && seen.add(name(frame))) {
            ours.merge(name(frame), 1, Integer::sum);
          }
        }
        var thread = event.getThread("sampledThread");
        String group = thread == null ? "?" : thread.getJavaName().replaceAll("[-0-9]+$", "");
        threads.merge(group, 1, Integer::sum);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the JFR recording " + file, e);
    }
    StringBuilder out = new StringBuilder();
    out.append(
        "  %d CPU samples; GC: %d pauses, %.1f ms in total, longest %.2f ms%n"
            .formatted(samples, pauses, paused.toNanos() / 1e6, longestPause.toNanos() / 1e6));
    out.append("  by thread: ").append(top(threads, samples, 6)).append('\n');
    out.append("  by what runs (innermost known frame): ")
        .append(top(categories, samples, 10))
        .append('\n');
    out.append("  dockmaster methods, including what they call:\n").append(table(ours, samples));
    out.append("  hottest methods, own time:\n").append(table(self, samples));
    return out.toString();
  }

  /**
   * What a sample was doing, by its innermost frame that belongs to a known library; plain JDK
   * frames (collections, reflection, strings) count for whoever called them.
   */
  private static String category(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = typeName(frame);
      if (type.startsWith("com.sun.crypto.") || type.startsWith("sun.security.")) {
        return "crypto (TLS, signature checks)";
      }
      if (type.startsWith("com.fasterxml.jackson.") || type.startsWith("io.fabric8.")) {
        return "JSON (Jackson, fabric8 model)";
      }
      if (type.startsWith("io.micrometer.") || type.startsWith("org.HdrHistogram.")) {
        return "metrics";
      }
      if (type.startsWith("org.apache.logging.") || type.startsWith("org.slf4j.")) {
        return "logging";
      }
      if (type.startsWith("com.github.benmanes.caffeine.")) {
        return "caches (Caffeine)";
      }
      if (type.startsWith("io.dockmaster.")) {
        return "dockmaster";
      }
      if (type.startsWith("io.netty.") || type.startsWith("io.vertx.")) {
        return "Netty/Vert.x";
      }
      if (type.startsWith("java.util.concurrent.")) {
        return "thread hand-off";
      }
    }
    return "other JDK";
  }

  private static String typeName(RecordedFrame frame) {
    return frame.getMethod().getType().getName();
  }

  private static String table(Map<String, Integer> counts, int samples) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(TOP)
        .map(e -> "    %5.1f%%  %s%n".formatted(100.0 * e.getValue() / samples, e.getKey()))
        .collect(Collectors.joining());
  }

  private static String top(Map<String, Integer> counts, int samples, int limit) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(limit)
        .map(e -> "%s %.0f%%".formatted(e.getKey(), 100.0 * e.getValue() / samples))
        .collect(Collectors.joining(", "));
  }

  private static String name(RecordedFrame frame) {
    // io.vertx.core.net.impl.ConnectionBase -> i.v.c.n.i.ConnectionBase
    String[] parts = frame.getMethod().getType().getName().split("\\.");
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < parts.length - 1; i++) {
      name.append(parts[i].charAt(0)).append('.');
    }
    return name.append(parts[parts.length - 1])
        .append('.')
        .append(frame.getMethod().getName())
        .toString();
  }
}
