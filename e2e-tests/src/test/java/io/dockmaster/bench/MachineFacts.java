package io.dockmaster.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the numbers were measured on: CPUs, memory, kernel, JVM, Kubernetes, load. */
final class MachineFacts {

  private MachineFacts() {}

  static List<String> describe(ExternalCommand commands) {
    List<String> facts = new ArrayList<>();
    facts.add(
        "machine: %d CPUs (nproc), %s, %s memory, Linux %s"
            .formatted(
                Runtime.getRuntime().availableProcessors(),
                firstValue(Path.of("/proc/cpuinfo"), "model name"),
                firstValue(Path.of("/proc/meminfo"), "MemTotal"),
                read(Path.of("/proc/sys/kernel/osrelease"))));
    facts.add(
        "JVM: %s %s (%s), same java for the webhook (default heap and GC, %s)"
            .formatted(
                System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"),
                System.getProperty("java.vm.vendor"),
                System.getProperty("java.home")));
    ExternalCommand.Result version = commands.run("kubectl", "version");
    facts.add(
        "kubernetes: "
            + version.stdout().lines().map(String::strip).reduce((a, b) -> a + "; " + b).orElse("?")
            + " (dev cluster: etcd, kube-apiserver, registry on 127.0.0.1)");
    facts.add("load average at the start: " + loadAverage());
    return facts;
  }

  static String loadAverage() {
    return read(Path.of("/proc/loadavg"));
  }

  private static String firstValue(Path file, String key) {
    try {
      return Files.readAllLines(file).stream()
          .filter(line -> line.startsWith(key))
          .map(line -> line.substring(line.indexOf(':') + 1).strip())
          .findFirst()
          .orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      return "?";
    }
  }
}
