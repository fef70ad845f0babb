package io.dockmaster.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cold cache: Pods whose image digests the webhook has never seen, one at a time, so each
 * review fetches manifest, config and signature from the registry and verifies the signature. Next
 * to it the registry's round-trip time and its log of what the operator asked, so the latency can
 * be split into round trips and the webhook's own overhead.
 */
final class ColdPhase {

  static final int ATTEMPTS = 2;

  /** One attempt: the registry's round trips just before, the latencies, what the log saw. */
  record Attempt(
      RegistryProbe.RoundTrips roundTrips, List<Long> nanos, RegistryProbe.Traffic traffic) {}

  private ColdPhase() {}

  /** Images the phase uses: a JIT warm-up, then a fresh set for every attempt. */
  static int imagesNeeded(BenchSettings settings) {
    return settings.coldWarmUp() + ATTEMPTS * settings.coldImages();
  }

  static BenchReport.Cold run(
      BenchSettings settings,
      ExternalCommand commands,
      CpuWindow.Watched watched,
      WebhookLoad load,
      ClusterFixture cluster,
      BenchImages images) {
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < images.coldDigests().size(); i++) {
      bodies.add(
          ReviewBodies.pod(cluster.governed(), "cold-" + i, List.of(images.coldDigests().get(i)))
              .next());
    }
    WebhookLoad.Tally tally = new WebhookLoad.Tally();
    Path recording = settings.workDir().resolve("webhook-cold.jfr");
    if (settings.profile()) {
      ProfileSummary.start(commands, watched.webhook().pid(), recording);
    }
    // The signature path has not run since start: the first reviews pay for JIT compilation.
    List<Long> warmUp = load.sequential(bodies.subList(0, settings.coldWarmUp()), tally);
    RegistryProbe registry =
        new RegistryProbe(settings.registryLog(), RegistryProbe.OPERATOR_AGENT);
    CpuWindow.Measured<Attempt> measured =
        CpuWindow.quietest(
            "cold reviews",
            ATTEMPTS,
            watched,
            attempt -> {
              int from = settings.coldWarmUp() + attempt * settings.coldImages();
              RegistryProbe.RoundTrips roundTrips =
                  RegistryProbe.roundTrips(settings.registry(), images.sidecarDigest(), 200);
              AdmissionBenchmark.say(
                  "registry round trip, manifest GET %s; blob GET %s"
                      .formatted(roundTrips.manifest().summary(), roundTrips.blob().summary()));
              AdmissionBenchmark.say(
                  "measuring: %d cold reviews, one at a time".formatted(settings.coldImages()));
              registry.mark();
              List<Long> nanos =
                  load.sequential(bodies.subList(from, from + settings.coldImages()), tally);
              return new Attempt(roundTrips, nanos, registry.sinceMark());
            });
    if (settings.profile()) {
      ProfileSummary.stop(commands, watched.webhook().pid());
      AdmissionBenchmark.say(
          "profile of the webhook during the cold reviews ("
              + recording
              + "):\n"
              + ProfileSummary.describe(recording));
    }
    Attempt best = measured.result();
    LatencyStats latency = LatencyStats.ofNanos(best.nanos());
    AdmissionBenchmark.say("cold: " + latency.summary());
    int reviews = best.nanos().size();
    return new BenchReport.Cold(
        reviews,
        warmUp.isEmpty() ? 0 : warmUp.get(0) / 1e6,
        latency,
        best.roundTrips(),
        (double) best.traffic().manifests() / reviews,
        (double) best.traffic().blobs() / reviews,
        best.traffic().registryMillis() / reviews,
        best.traffic().sample(),
        tally,
        measured);
  }
}
