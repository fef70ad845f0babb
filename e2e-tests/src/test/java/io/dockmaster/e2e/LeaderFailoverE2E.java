package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.e2e.lab.PrometheusText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two {@code dockmaster operator} processes from the built jar electing a leader through a Lease on
 * the dev control plane, as two replicas of the chart's Deployment do: the leader is killed (it
 * cannot release the Lease) or stopped (it must), and the other one takes over.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeaderFailoverE2E {

  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern STARTED =
      Pattern.compile("operator started \\(.*health and metrics on port (\\d+)\\)");
  private static final Duration READ_LATENCY = Duration.ofSeconds(1);
  private static final String RECONCILED = "operator_sdk_reconciliations_success_total";

  private final DevCluster cluster = DevCluster.fromEnvFile();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String namespace = "e2e-failover-" + run;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Replica> replicas = new ArrayList<>();
  private Commands commands;
  private LeaseHistory history;

  /** One operator process; {@code identity} is its name in the Lease. */
  private record Replica(String identity, Process process, Path log, int healthPort) {}

  @BeforeAll
  void createNamespace() {
    commands = new Commands(Map.of("KUBECONFIG", cluster.kubeconfig().toString()), cluster.root());
    kubectl("apply", "--server-side", "--force-conflicts", "-f", "crds/");
    kubectl(
        "wait",
        "--for",
        "condition=Established",
        "--timeout=60s",
        "crd/imagepolicies.dockmaster.io",
        "crd/imagemirrors.dockmaster.io");
    kubectl("create", "namespace", namespace);
  }

  @AfterEach
  void stopReplicas() throws Exception {
    for (Replica replica : replicas) {
      replica.process().destroy();
      if (!replica.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        replica.process().destroyForcibly();
      }
      System.out.println(
          "--- " + replica.identity() + " log ---\n" + Files.readString(replica.log()));
      Files.delete(replica.log());
    }
    replicas.clear();
    if (history != null) {
      System.out.println("--- Lease versions ---\n" + history.text());
      history.close();
      history = null;
    }
  }

  @AfterAll
  void deleteNamespace() {
    // The dev cluster outlives this run: leave nothing behind, passed or failed.
    commands.run(
        "kubectl", "delete", "imagemirrors,imagepolicies", "-l", "dockmaster.io/e2e-run=" + run);
    // The dev control plane runs no namespace controller to empty a deleted namespace.
    commands.run("kubectl", "delete", "leases,secrets", "--all", "-n", namespace);
    commands.run("kubectl", "delete", "namespace", namespace, "--wait=false");
  }

  @Test
  void aKilledLeaderIsReplacedOnceItsLeaseExpiresAndTheSurvivorReconciles() throws Exception {
    String lease = "killed";
    Replica leader = start("killed-a", lease);
    awaitHolder(lease, leader);
    Replica survivor = start("killed-b", lease);
    history = LeaseHistory.watch(cluster.kubeconfig(), namespace, lease);
    String policy = "failover-" + run;
    apply("ImagePolicy", policy, "{mode: Audit, images: [failover-" + run + ".invalid/a/**]}");
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(observedGeneration(policy)).isEqualTo("1"));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(history.heldBy(leader.identity())).hasSizeGreaterThan(2));
    assertThat(policyMetric(survivor, RECONCILED)).as("a follower reconciles nothing").isZero();

    List<String> notReady = new CopyOnWriteArrayList<>();
    AtomicInteger answered = new AtomicInteger();
    ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor();
    probe.scheduleWithFixedDelay(
        () -> {
          int status = status(survivor, "/readyz");
          answered.incrementAndGet();
          if (status != 200) {
            notReady.add(Instant.now() + " HTTP " + status);
          }
        },
        0,
        100,
        TimeUnit.MILLISECONDS);
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> answered.get() > 0);

      leader.process().destroyForcibly();
      assertThat(leader.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(leader.process().exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
      kubectl(
          "patch",
          "imagepolicy",
          policy,
          "--type=merge",
          "-p",
          "{\"spec\":{\"images\":[\"failover-" + run + ".invalid/b/**\"]}}");

      LeaseHistory.Version taken =
          await()
              .atMost(Duration.ofMinutes(2))
              .until(() -> history.firstHeldBy(survivor.identity()), v -> v.isPresent())
              .orElseThrow();
      List<LeaseHistory.Version> held = history.heldBy(leader.identity());
      LeaseHistory.Version last = held.get(held.size() - 1);
      Instant expiry = last.renewTime().plus(last.leaseDuration());
      // Its acquire loop waits up to 2.2 retry periods (fabric8's jitter); the leader's renewals
      // are one retry period apart, so three of them bound it with room for API latency.
      Duration slack = history.renewPeriodOf(leader.identity()).multipliedBy(3);
      // The elector stamps the time it read the Lease at, before the read returns and it checks
      // expiry, so the stamp may precede expiry by that read's latency.
      assertThat(taken.acquireTime())
          .as("taken over only once the killed leader's last renewal (%s) expired", last)
          .isAfterOrEqualTo(expiry.minus(READ_LATENCY))
          .as("taken over within the lease duration and %s of retries", slack)
          .isBeforeOrEqualTo(expiry.plus(slack));
      assertThat(taken.transitions()).isEqualTo(last.transitions() + 1);

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(observedGeneration(policy)).isEqualTo("2"));
      assertThat(policyMetric(survivor, RECONCILED)).as("the new leader reconciles").isPositive();
      int afterReconcile = answered.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> answered.get() > afterReconcile);
    } finally {
      probe.shutdownNow();
    }
    assertThat(notReady).as("/readyz of the survivor throughout the failover").isEmpty();
  }

  @Test
  void aStoppedLeaderFinishesItsReconciliationReleasesItsLeaseAndExitsCleanly() throws Exception {
    String lease = "stopped";
    Replica leader = start("stopped-a", lease);
    awaitHolder(lease, leader);
    Replica follower = start("stopped-b", lease);
    history = LeaseHistory.watch(cluster.kubeconfig(), namespace, lease);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(history.heldBy(leader.identity())).hasSizeGreaterThan(2));
    String mirror = "failover-held-" + run;
    long logBeforeStop;
    try (HeldUpstream upstream = HeldUpstream.start()) {
      apply(
          "ImageMirror",
          mirror,
          "{upstream: {registry: \"" + upstream.registry() + "\"}, images: [app:1.0]}");
      await("the leader's reconciliation to reach the upstream")
          .atMost(Duration.ofSeconds(60))
          .until(upstream::holding);
      logBeforeStop = Files.size(leader.log());

      leader.process().destroy();
      await()
          .atMost(STOP_TIMEOUT)
          .untilAsserted(
              () -> assertThat(logSince(leader, logBeforeStop)).contains("is shutting down"));
      upstream.release();

      assertThat(leader.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
          .as("exits within %s of SIGTERM", STOP_TIMEOUT)
          .isTrue();
      LeaseHistory.Version taken =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> history.firstHeldBy(follower.identity()), v -> v.isPresent())
              .orElseThrow();
      List<LeaseHistory.Version> versions = history.versions();
      List<LeaseHistory.Version> held = history.heldBy(leader.identity());
      LeaseHistory.Version last = held.get(held.size() - 1);
      LeaseHistory.Version released = versions.get(versions.indexOf(last) + 1);
      assertThat(released.holder())
          .as("the version after its last renewal: %s", versions)
          .isEmpty();
      assertThat(released.leaseDuration()).isEqualTo(Duration.ofSeconds(1));
      Duration slack = history.renewPeriodOf(leader.identity()).multipliedBy(3);
      assertThat(taken.acquireTime())
          .as("taken at the follower's next retry after the release, not at expiry")
          .isBefore(last.renewTime().plus(last.leaseDuration()))
          .isBeforeOrEqualTo(released.renewTime().plus(slack));
      // Only the leader reconciles, so an answer before the release went to the stopping leader.
      assertThat(upstream.manifestAnswers())
          .as(
              "the reconciliation in flight at SIGTERM ran to its end before the Lease was released")
          .isNotEmpty()
          .first()
          .matches(answered -> answered.isBefore(released.renewTime()), "before the release");
    } finally {
      commands.run("kubectl", "delete", "imagemirror", mirror, "--ignore-not-found");
    }

    assertThat(logSince(leader, logBeforeStop))
        .contains("released the leader Lease " + namespace + "/" + lease)
        .doesNotContain(" ERROR ", " WARN ", "Exception");
    // The JVM ends with the signal's status once its shutdown hooks have run; the log above is
    // what tells a clean stop from a killed process.
    assertThat(leader.process().exitValue()).as("exit code after SIGTERM").isEqualTo(128 + 15);
  }

  private Replica start(String name, String lease) throws IOException {
    String identity = name + "-" + run;
    Path log = Files.createTempFile("dockmaster-" + identity + "-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                cluster.jar().toString(),
                "operator",
                "--namespace",
                namespace,
                "--leader-election-namespace",
                namespace,
                "--lease-name",
                lease,
                "--leader-election-identity",
                identity,
                // Both replicas would register the same webhook configuration on this machine.
                "--webhook-mode",
                "off",
                "--health-port",
                "0",
                "--bind-address",
                "127.0.0.1")
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
    Process process = builder.start();
    int port;
    try {
      port =
          await(identity + " to log that it started")
              .atMost(START_TIMEOUT)
              .until(() -> startedPort(process, log), p -> p > 0);
    } catch (RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
    Replica replica = new Replica(identity, process, log, port);
    replicas.add(replica);
    await(identity + " to be ready")
        .atMost(START_TIMEOUT)
        .until(() -> status(replica, "/readyz") == 200);
    return replica;
  }

  private static int startedPort(Process process, Path log) throws IOException {
    Matcher m = STARTED.matcher(Files.readString(log));
    if (m.find()) {
      return Integer.parseInt(m.group(1));
    }
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "exited with " + process.exitValue() + " before it started:\n" + Files.readString(log));
    }
    return 0;
  }

  private void awaitHolder(String lease, Replica replica) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        kubectl(
                            "get",
                            "lease",
                            lease,
                            "-n",
                            namespace,
                            "--ignore-not-found",
                            "-o",
                            "jsonpath={.spec.holderIdentity}"))
                    .isEqualTo(replica.identity()));
  }

  /** Applies a resource of {@code kind} labelled with this run, from the YAML of its spec. */
  private void apply(String kind, String name, String spec) {
    String yaml =
        """
        apiVersion: dockmaster.io/v1alpha1
        kind: %s
        metadata: {name: %s, labels: {dockmaster.io/e2e-run: "%s"}}
        spec: %s
        """
            .formatted(kind, name, run, spec);
    commands.runWithInput(yaml, "kubectl", "apply", "-f", "-").orFail("kubectl apply\n" + yaml);
  }

  private static String logSince(Replica replica, long offset) throws IOException {
    byte[] log = Files.readAllBytes(replica.log());
    return new String(log, (int) offset, log.length - (int) offset, StandardCharsets.UTF_8);
  }

  private String observedGeneration(String policy) {
    return kubectl("get", "imagepolicy", policy, "-o", "jsonpath={.status.observedGeneration}");
  }

  /** The sum of {@code name} over the samples about ImagePolicies. */
  private double policyMetric(Replica replica, String name)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + replica.healthPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("/metrics of " + replica.identity()).isEqualTo(200);
    return PrometheusText.sum(response.body(), name, "kind=\"ImagePolicy\"");
  }

  /** The HTTP status of a health endpoint, -1 if it could not be asked. */
  private int status(Replica replica, String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.healthPort() + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private String kubectl(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "kubectl";
    System.arraycopy(args, 0, command, 1, args.length);
    return commands.run(command).orFail(String.join(" ", command)).stdout();
  }
}
