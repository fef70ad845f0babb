package io.dockmaster.bench;

import static io.dockmaster.bench.LatencyStats.ms;

import java.io.PrintStream;
import java.util.List;

/** The figures of one run, printed section by section and then beside the targets. */
final class BenchReport {

  static final double WARM_P99_TARGET_MS = 5;
  static final double COLD_OVERHEAD_TARGET_MS = 20;
  static final double KUBECTL_RATIO_TARGET = 1.2;

  /**
   * Cores' worth of CPU used during a window by other processes, the webhook, the load generator
   * (this JVM) and the dev cluster (etcd, kube-apiserver, registry); and the generator's own GC.
   */
  record Cpu(
      double others,
      double webhook,
      double generator,
      double devCluster,
      long generatorGcs,
      long generatorGcMillis) {
    double machine() {
      return webhook + generator + devCluster + others;
    }

    String describe() {
      return ("machine %.2f of %d cores busy: webhook %.2f, load generator %.2f (%d GCs, %d ms),"
              + " dev cluster %.2f, other processes %.2f")
          .formatted(
              machine(),
              MachineLoad.cores(),
              webhook,
              generator,
              generatorGcs,
              generatorGcMillis,
              devCluster,
              others);
    }
  }

  /**
   * @param cpuMillisPerReview the webhook JVM's CPU (all threads) over the open-loop window, per
   *     request
   */
  record Warm(
      int rate,
      int connections,
      int containers,
      int bodyBytes,
      double seconds,
      String collector,
      CpuWindow.Measured<WarmPhase.Run> open,
      CpuWindow.Measured<WarmPhase.Run> closed,
      double cpuMillisPerReview,
      double generatorCpuMillisPerReview) {}

  /**
   * @param manifests manifest GETs per cold review, counted in the registry's log
   * @param blobs blob GETs per cold review
   * @param registryMillis time the registry itself logs per cold review
   */
  record Cold(
      int images,
      double firstMillis,
      LatencyStats latency,
      RegistryProbe.RoundTrips roundTrips,
      double manifests,
      double blobs,
      double registryMillis,
      List<String> requests,
      WebhookLoad.Tally tally,
      CpuWindow.Measured<?> window) {

    /** What the round trips alone cost at their median: the part no code change removes. */
    double roundTripMillis() {
      return Math.round(manifests) * roundTrips.manifest().p50()
          + Math.round(blobs) * roundTrips.blob().p50();
    }

    double bound() {
      return roundTripMillis() + COLD_OVERHEAD_TARGET_MS;
    }

    long trips() {
      return Math.round(manifests) + Math.round(blobs);
    }
  }

  record Kubectl(int pods, LatencyStats judged, LatencyStats notCalled, double machineCores) {
    double ratio() {
      return judged.mean() / notCalled.mean();
    }
  }

  private final List<String> machine;
  private final Warm warm;
  private final Cold cold;
  private final Kubectl kubectl;

  BenchReport(List<String> machine, Warm warm, Cold cold, Kubectl kubectl) {
    this.machine = machine;
    this.warm = warm;
    this.cold = cold;
    this.kubectl = kubectl;
  }

  void print(PrintStream out) {
    out.println();
    out.println("== Dockmaster admission benchmark ==");
    machine.forEach(line -> out.println("  " + line));
    out.println();
    printWarm(out);
    out.println();
    printCold(out);
    out.println();
    printKubectl(out);
    out.println();
    printTargets(out);
  }

  private void printWarm(PrintStream out) {
    out.printf(
        "1. Warm cache: Pod with %d containers (signed, non-root; one by tag, one by digest),"
            + " %d-byte AdmissionReview, HTTPS/1.1 keep-alive, up to %d connections%n",
        warm.containers(), warm.bodyBytes(), warm.connections());
    WebhookLoad.Result open = warm.open().result().load();
    out.printf(
        "   open loop %d req/s for %.0f s, latency from scheduled send time:%n      %s%n",
        warm.rate(), warm.seconds(), open.latency().summary());
    out.printf("   service time (from actual send):  %s%n", open.service().summary());
    out.printf(
        "   achieved %.1f req/s; replies: %s; generator's worst send lag %s%n",
        open.throughput(), open.tally().describe(), ms(open.maxSendLagMillis()));
    out.printf(
        "   CPU per review: webhook %.2f ms (all threads), load generator %.2f ms; registry"
            + " requests in the window: %d%n",
        warm.cpuMillisPerReview(),
        warm.generatorCpuMillisPerReview(),
        warm.open().result().registryRequests());
    GcLog.Pauses gc = warm.open().result().gc();
    out.printf(
        "   webhook JVM (%s): %s%s%n",
        warm.collector(),
        gc.describe(),
        gc.reclaimedMegabytes() == 0
            ? ""
            : " (about %.0f KB allocated per review)"
                .formatted(gc.reclaimedMegabytes() * 1024.0 / open.tally().total()));
    out.printf("   %s%n", warm.open().describe());
    WebhookLoad.Result closed = warm.closed().result().load();
    out.printf(
        "   closed loop, %d in flight for %.0f s: %.0f req/s max throughput; replies: %s%n"
            + "      %s%n   %s%n   %s%n",
        warm.connections(),
        closed.seconds(),
        closed.throughput(),
        closed.tally().describe(),
        closed.latency().summary(),
        warm.closed().result().gc().describe(),
        warm.closed().describe());
  }

  private void printCold(PrintStream out) {
    out.printf(
        "2. Cold cache: %d Pods, each with an image digest the webhook has not seen (signed,"
            + " non-root), one at a time%n",
        cold.images());
    out.printf("   cold review latency: %s%n", cold.latency().summary());
    out.printf(
        "   first cold review after start (JIT-cold signature path, not counted): %s%n",
        ms(cold.firstMillis()));
    out.printf(
        "   registry requests per cold review (registry's log): %.2f manifest GETs + %.2f blob"
            + " GETs, e.g. %s%n",
        cold.manifests(), cold.blobs(), String.join(", ", cold.requests()));
    out.printf(
        "   registry round trip, keep-alive java.net.http GET:%n      manifest %s%n      blob    "
            + " %s%n",
        cold.roundTrips().manifest().summary(), cold.roundTrips().blob().summary());
    out.printf(
        "   registry's own logged time per cold review %s; replies: %s%n",
        ms(cold.registryMillis()), cold.tally().describe());
    out.printf("   %s%n", cold.window().describe());
    out.printf(
        "   => cold p50 %s = %d round trips (%s at their medians) + %s overhead%n",
        ms(cold.latency().p50()),
        cold.trips(),
        ms(cold.roundTripMillis()),
        ms(cold.latency().p50() - cold.roundTripMillis()));
  }

  private void printKubectl(PrintStream out) {
    out.printf(
        "3. kubectl create of a Pod, %d each, sequential, alternating namespaces (machine %.2f of"
            + " %d cores busy)%n",
        kubectl.pods(), kubectl.machineCores(), MachineLoad.cores());
    out.printf("   webhook called (signed image, admitted): %s%n", kubectl.judged().summary());
    out.printf("   webhook not called (exempt namespace):   %s%n", kubectl.notCalled().summary());
    out.printf(
        "   ratio of means %.3fx, of medians %.3fx, of p90s %.3fx%n",
        kubectl.ratio(),
        kubectl.judged().p50() / kubectl.notCalled().p50(),
        kubectl.judged().p90() / kubectl.notCalled().p90());
  }

  private void printTargets(PrintStream out) {
    String format = "| %-42s | %-44s | %-42s | %-4s |%n";
    out.println("Targets from the issue");
    out.printf(format, "figure", "target", "measured", "");
    out.printf(format, "-".repeat(42), "-".repeat(44), "-".repeat(42), "----");
    WebhookLoad.Result openLoop = warm.open().result().load();
    LatencyStats open = openLoop.latency();
    boolean allAllowed = openLoop.tally().allowed == openLoop.tally().total();
    out.printf(
        format,
        "warm p99 at %d req/s (open loop)".formatted(warm.rate()),
        "< " + ms(WARM_P99_TARGET_MS),
        "%s (p50 %s, %.0f req/s achieved)"
            .formatted(ms(open.p99()), ms(open.p50()), openLoop.throughput()),
        verdict(open.p99() < WARM_P99_TARGET_MS && allAllowed));
    String bound =
        "<= %d round trips %s + 20 ms = %s"
            .formatted(cold.trips(), ms(cold.roundTripMillis()), ms(cold.bound()));
    out.printf(
        format,
        "cold verification p50",
        bound,
        ms(cold.latency().p50()),
        verdict(cold.latency().p50() <= cold.bound()));
    out.printf(
        format,
        "cold verification p99",
        bound,
        ms(cold.latency().p99()),
        verdict(cold.latency().p99() <= cold.bound()));
    out.printf(
        format,
        "kubectl create, webhook on / off (means)",
        "< %.1fx".formatted(KUBECTL_RATIO_TARGET),
        "%.3fx (%s vs %s)"
            .formatted(
                kubectl.ratio(), ms(kubectl.judged().mean()), ms(kubectl.notCalled().mean())),
        verdict(kubectl.ratio() < KUBECTL_RATIO_TARGET));
    out.printf(
        format,
        "max throughput (closed loop, %d in flight)".formatted(warm.connections()),
        "(none)",
        "%.0f req/s (p99 %s)"
            .formatted(
                warm.closed().result().load().throughput(),
                ms(warm.closed().result().load().latency().p99())),
        "");
    double others =
        Math.max(
            warm.open().cpu().others(),
            Math.max(warm.closed().cpu().others(), cold.window().cpu().others()));
    if (others > CpuWindow.OTHERS_LIMIT) {
      out.printf(
          "Note: other processes used up to %.2f of the %d cores during a measured window;"
              + " latencies are inflated by that.%n",
          others, MachineLoad.cores());
    }
  }

  private static String verdict(boolean met) {
    return met ? "MET" : "MISS";
  }
}
