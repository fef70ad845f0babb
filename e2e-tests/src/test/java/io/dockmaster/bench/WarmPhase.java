package io.dockmaster.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The warm cache: the same signed, non-root Pod over and over, so every answer comes from the
 * webhook's caches. Open loop at the target rate first, then closed loop for the most it takes.
 */
final class WarmPhase {

  private static final Duration PRE_WARM = Duration.ofSeconds(5);
  private static final int ATTEMPTS = 3;

  /**
   * One measured window: the load's figures, the webhook's GC pauses and the registry requests the
   * operator made during it (a tag whose cache entry expired is resolved again).
   */
  record Run(WebhookLoad.Result load, GcLog.Pauses gc, int registryRequests) {}

  private WarmPhase() {}

  static BenchReport.Warm run(
      BenchSettings settings,
      ExternalCommand commands,
      CpuWindow.Watched watched,
      WebhookLoad load,
      GcLog gc,
      ClusterFixture cluster,
      BenchImages images) {
    List<String> containers = List.of(images.appTag(), images.sidecarDigest());
    ReviewBodies bodies = ReviewBodies.pod(cluster.governed(), "web-bench", containers);
    AdmissionBenchmark.say(
        "warm-up: closed loop %ds, then open loop %d req/s for %ds"
            .formatted(PRE_WARM.toSeconds(), settings.rate(), settings.warmUp().toSeconds()));
    load.closedLoop(bodies, settings.connections(), PRE_WARM);
    Path recording = settings.workDir().resolve("webhook-warm.jfr");
    if (settings.profile()) {
      // Started before the open-loop warm-up: starting JFR stalls the JVM for a moment.
      ProfileSummary.start(commands, watched.webhook().pid(), recording);
    }
    load.openLoop(bodies, settings.rate(), settings.warmUp());

    RegistryProbe registry =
        new RegistryProbe(settings.registryLog(), RegistryProbe.OPERATOR_AGENT);
    CpuWindow.Measured<Run> open =
        CpuWindow.quietest(
            "open loop",
            settings.profile() ? 1 : ATTEMPTS,
            watched,
            attempt -> {
              AdmissionBenchmark.say(
                  "measuring: open loop %d req/s for %ds"
                      .formatted(settings.rate(), settings.measure().toSeconds()));
              gc.mark();
              registry.mark();
              WebhookLoad.Result result =
                  load.openLoop(bodies, settings.rate(), settings.measure());
              return new Run(result, gc.sinceMark(), registry.sinceMark().requests());
            });
    if (settings.profile()) {
      ProfileSummary.stop(commands, watched.webhook().pid());
      AdmissionBenchmark.say(
          "profile of the webhook during the open loop ("
              + recording
              + "):\n"
              + ProfileSummary.describe(recording));
    }
    AdmissionBenchmark.say("open loop: " + open.result().load().latency().summary());
    CpuWindow.Measured<Run> closed =
        CpuWindow.quietest(
            "closed loop",
            ATTEMPTS,
            watched,
            attempt -> {
              AdmissionBenchmark.say(
                  "measuring: closed loop, %d in flight for %ds"
                      .formatted(settings.connections(), settings.closedLoop().toSeconds()));
              gc.mark();
              registry.mark();
              WebhookLoad.Result result =
                  load.closedLoop(bodies, settings.connections(), settings.closedLoop());
              return new Run(result, gc.sinceMark(), registry.sinceMark().requests());
            });
    AdmissionBenchmark.say(
        "closed loop: %.0f req/s".formatted(closed.result().load().throughput()));
    double reviews = open.result().load().tally().total();
    double seconds = settings.measure().toNanos() / 1e9;
    return new BenchReport.Warm(
        settings.rate(),
        settings.connections(),
        containers.size(),
        bodies.size(),
        settings.measure().toSeconds(),
        gc.collector(),
        open,
        closed,
        open.cpu().webhook() * seconds * 1000 / reviews,
        open.cpu().generator() * seconds * 1000 / reviews);
  }
}
