package io.dockmaster.bench;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code make bench-admission}: the admission webhook measured in one run against the dev cluster,
 * with dockmaster.jar serving it as {@code make run} does. Warm cache (open loop at a fixed rate,
 * then closed loop), cold cache (digests never seen, next to the registry's round-trip time) and
 * {@code kubectl create} with and without the webhook; figures printed beside the targets.
 * A measurement, not a test: nothing here fails on a number, only on a wrong verdict.
 */
public final class AdmissionBenchmark {

  private static final long STARTED = System.nanoTime();
  private static final int KUBECTL_WARM_UP = 3;

  private AdmissionBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchSettings settings = BenchSettings.parse(args);
    Files.createDirectories(settings.workDir());
    String run = UUID.randomUUID().toString().substring(0, 6);
    ExternalCommand commands =
        new ExternalCommand(
            Map.of(
                "KUBECONFIG", settings.kubeconfig().toString(),
                "HOME", settings.workDir().toString(),
                "COSIGN_PASSWORD", ""),
            settings.workDir());
    List<String> machine = MachineFacts.describe(commands);
    machine.forEach(line -> say(line));

    try (ClusterFixture cluster = new ClusterFixture(commands, run)) {
      cluster.createNamespaces(settings.root().resolve("crds").toString());
      int coldImages = ColdPhase.imagesNeeded(settings);
      say(
          "pushing and signing %d images (crane, cosign) under %s/bench-%s"
              .formatted(coldImages + 3, settings.registry(), run));
      BenchImages images = BenchImages.push(commands, settings, run, coldImages);
      say("starting dockmaster.jar operator --webhook-mode local");
      GcLog gc = new GcLog(settings.workDir().resolve("webhook-gc.log"));
      List<String> jvmOptions = new ArrayList<>(settings.webhookJvmOptions());
      jvmOptions.add(gc.option());
      machine = new ArrayList<>(machine);
      machine.add(
          "webhook JVM options: "
              + (settings.webhookJvmOptions().isEmpty()
                  ? "none (JVM defaults, as make run)"
                  : String.join(" ", settings.webhookJvmOptions()))
              + "; load generator: "
              + String.join(
                  " ",
                  java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
      try (WebhookProcess webhook = WebhookProcess.start(settings, cluster.free(), jvmOptions)) {
        say("webhook on https://127.0.0.1:%d (pid %d)".formatted(webhook.port(), webhook.pid()));
        cluster.applyPolicy(images);
        try (WebhookLoad load =
            new WebhookLoad(webhook.port(), webhook.caCertificate(), settings.connections())) {
          awaitEnforcement(load, cluster, images);
          awaitQuiet(settings);
          CpuWindow.Watched watched = new CpuWindow.Watched(webhook, settings.devCluster());
          BenchReport.Warm warm =
              WarmPhase.run(settings, commands, watched, load, gc, cluster, images);
          awaitQuiet(settings);
          BenchReport.Cold cold = ColdPhase.run(settings, commands, watched, load, cluster, images);
          BenchReport.Kubectl kubectl = kubectl(settings, commands, cluster, images);
          machine.add("load average at the end: " + MachineFacts.loadAverage());
          new BenchReport(machine, warm, cold, kubectl).print(System.out);
        }
      }
    }
    say("done");
  }

  /**
   * The policy is Ready once reconciled; the webhook's index may take a moment longer. Until an
   * unsigned root image is denied, nothing measured would mean anything.
   */
  private static void awaitEnforcement(WebhookLoad load, ClusterFixture cluster, BenchImages images)
      throws InterruptedException {
    ReviewBodies root = ReviewBodies.pod(cluster.governed(), "root", List.of(images.rootTag()));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      WebhookLoad.Reply reply = load.call(root.next());
      if (reply.status() == 200 && reply.body().contains("NOT_SIGNED")) {
        if (!reply.body().contains("RUNS_AS_ROOT")) {
          throw new IllegalStateException("root image denied without RUNS_AS_ROOT: " + reply);
        }
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the webhook does not enforce the policy: " + reply);
      }
      Thread.sleep(250);
    }
    WebhookLoad.Reply signed =
        load.call(ReviewBodies.pod(cluster.governed(), "ok", List.of(images.appTag())).next());
    if (!signed.allowed()) {
      throw new IllegalStateException("the signed non-root image is not admitted: " + signed);
    }
    say("policy enforced: unsigned root image denied, signed non-root image admitted");
  }

  private static BenchReport.Kubectl kubectl(
      BenchSettings settings, ExternalCommand commands, ClusterFixture cluster, BenchImages images)
      throws InterruptedException {
    // The API server must really call the webhook for one namespace and not for the other.
    ExternalCommand.Result refused =
        commands.runWithInput(
            rootPod(cluster.governed(), images.rootTag()), List.of("kubectl", "create", "-f", "-"));
    if (refused.exitCode() == 0 || !refused.stderr().contains("denied the request")) {
      throw new IllegalStateException(
          "kubectl create of a root pod was not denied by the webhook: " + refused.stderr());
    }
    commands
        .runWithInput(
            rootPod(cluster.free(), images.rootTag()), List.of("kubectl", "create", "-f", "-"))
        .orFail();
    awaitQuiet(settings);
    say(
        "measuring: kubectl create, %d pods each with and without the webhook"
            .formatted(settings.pods()));
    MachineLoad.Sample before = MachineLoad.now();
    KubectlCreateTiming.Timings timings =
        new KubectlCreateTiming(commands, images.appTag())
            .run(cluster.governed(), cluster.free(), settings.pods(), KUBECTL_WARM_UP);
    return new BenchReport.Kubectl(
        settings.pods(),
        LatencyStats.ofNanos(timings.judged()),
        LatencyStats.ofNanos(timings.notCalled()),
        MachineLoad.busyCores(before, MachineLoad.now()));
  }

  private static String rootPod(String namespace, String image) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: root-check, namespace: %s}
        spec: {containers: [{name: app, image: "%s"}]}
        """
        .formatted(namespace, image);
  }

  /**
   * Waits for the machine's CPU use to drop below {@link CpuWindow#OTHERS_LIMIT}, within limits.
   */
  private static void awaitQuiet(BenchSettings settings) throws InterruptedException {
    double busy = MachineLoad.awaitQuiet(CpuWindow.OTHERS_LIMIT, settings.quietWait());
    say("machine: %.2f cores busy before measuring".formatted(busy));
  }

  static void say(String message) {
    System.out.printf("[bench %6.1fs] %s%n", (System.nanoTime() - STARTED) / 1e9, message);
  }
}
