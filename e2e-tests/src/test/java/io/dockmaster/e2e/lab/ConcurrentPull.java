package io.dockmaster.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Every host downloads the same URLs at the same moment, straight from their server, the way nodes
 * without a P2P layer pull an image: one curl per host fetching the URLs three at a time (as
 * containerd fetches layers by default, retrying a broken download from the start), bodies
 * discarded after counting. What a host "has" is what curl received in full with HTTP 200; nothing
 * checks digests (the registry serves what it stored).
 */
public final class ConcurrentPull {

  /**
   * containerd's default {@code max_concurrent_downloads}: layers one image pull fetches at once.
   */
  static final int CONTAINERD_PARALLEL_LAYERS = 3;

  /**
   * One host's pull.
   *
   * @param seconds from the moment the first host started until this host's curl exited
   * @param bytes body bytes received over all URLs
   * @param complete every URL answered 200 with {@code expectedBytes} bytes
   * @param problem what went wrong, empty if complete
   */
  public record HostPull(
      String host, double seconds, long bytes, boolean complete, String problem) {}

  private ConcurrentPull() {}

  /**
   * Starts one curl per host, all within a few milliseconds, and waits for all of them (at most
   * {@code timeout}, then kills the stragglers). {@code expectedBytes} holds the size of each URL's
   * body, in the same order as {@code urls}.
   */
  public static List<HostPull> run(
      List<LabHost> hosts,
      List<String> urls,
      List<Long> expectedBytes,
      Path logDir,
      Duration timeout)
      throws IOException {
    if (urls.size() != expectedBytes.size()) {
      throw new IllegalArgumentException(
          "ConcurrentPull needs one expected size per URL: "
              + urls.size()
              + " URLs, "
              + expectedBytes.size()
              + " sizes");
    }
    Files.createDirectories(logDir);
    // Bodies go to stdout, which the shell sends to /dev/null: curl retries a broken download by
    // truncating its output file, which /dev/null as --output refuses ("Failed to truncate file",
    // exit 23), while stdout it leaves as it is. The results go to stderr, the log.
    List<String> command =
        new ArrayList<>(
            List.of(
                "sh",
                "-c",
                "exec curl \"$@\" > /dev/null",
                "curl",
                "--silent",
                "--show-error",
                "--no-progress-meter",
                // A registry stream now and then ends in a reset after minutes at 1 Mbit/s (seen
                // with 100 streams through one 100 Mbit/s link, and with 60 through 10 Mbit/s);
                // a client pulling an image retries (curl waits 1 s, doubling, up to 128 s).
                "--retry",
                "8",
                "--retry-all-errors",
                "--parallel",
                "--parallel-immediate",
                "--parallel-max",
                Integer.toString(Math.max(1, Math.min(CONTAINERD_PARALLEL_LAYERS, urls.size()))),
                "--write-out",
                "%{stderr}%{url} %{http_code} %{size_download}\\n"));
    for (String url : urls) {
      command.addAll(List.of("--output", "-", url));
    }
    List<Process> processes = new ArrayList<>();
    List<CompletableFuture<Long>> exits = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    long start = System.nanoTime();
    try {
      for (LabHost host : hosts) {
        Path log = logDir.resolve("pull-" + host.name() + ".log");
        Files.deleteIfExists(log);
        Process process = host.start(command, Map.of(), log);
        processes.add(process);
        logs.add(log);
        exits.add(process.onExit().thenApply(p -> System.nanoTime()));
      }
      long deadline = start + timeout.toNanos();
      for (Process process : processes) {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!process.waitFor(left, TimeUnit.NANOSECONDS)) {
          process.destroyForcibly().waitFor();
        }
      }
    } catch (InterruptedException e) {
      processes.forEach(Process::destroyForcibly);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while hosts were pulling", e);
    }
    List<HostPull> pulls = new ArrayList<>();
    for (int i = 0; i < hosts.size(); i++) {
      Process process = processes.get(i);
      long end = exits.get(i).getNow(System.nanoTime());
      pulls.add(
          result(
              hosts.get(i).name(), process, logs.get(i), urls, expectedBytes, (end - start) / 1e9));
    }
    return pulls;
  }

  private static HostPull result(
      String host,
      Process process,
      Path log,
      List<String> urls,
      List<Long> expected,
      double seconds)
      throws IOException {
    List<String> lines = Files.readAllLines(log);
    long bytes = 0;
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < urls.size(); i++) {
      String url = urls.get(i);
      String line = lines.stream().filter(l -> l.startsWith(url + " ")).findFirst().orElse(null);
      if (line == null) {
        problems.add(url + ": no result");
        continue;
      }
      String[] fields = line.split(" ");
      long got = Long.parseLong(fields[2]);
      bytes += got;
      if (!fields[1].equals("200") || got != expected.get(i)) {
        problems.add(
            url + ": HTTP " + fields[1] + ", " + got + " of " + expected.get(i) + " bytes");
      }
    }
    if (process.exitValue() != 0) {
      problems.add(
          "curl exited with "
              + process.exitValue()
              + ": "
              + lines.stream().filter(l -> l.startsWith("curl:")).findFirst().orElse(""));
    }
    return new HostPull(host, seconds, bytes, problems.isEmpty(), String.join("; ", problems));
  }
}
