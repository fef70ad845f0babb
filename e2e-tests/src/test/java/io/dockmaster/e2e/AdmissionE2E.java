package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The webhook as a user meets it: the jar in local webhook mode against the dev cluster, images
 * built with crane and signed with cosign, and {@code kubectl apply} refused or admitted with the
 * real messages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionE2E {

  private final DevCluster cluster = DevCluster.fromEnvFile();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String governed = "team-" + run;
  private final String ungoverned = "free-" + run;
  private final String warned = "warn-" + run;
  private Path tmp;
  private Commands commands;
  private Process operator;
  private Path operatorLog;
  private DevImages images;
  private String repo;

  @BeforeAll
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("dockmaster-admission-e2e-");
    commands =
        new Commands(
            Map.of(
                "KUBECONFIG", cluster.kubeconfig().toString(),
                "COSIGN_PASSWORD", "",
                "HOME", tmp.toString()),
            tmp);
    kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        cluster.root().resolve("crds").toString());
    for (String ns : new String[] {governed, ungoverned, warned}) {
      kubectl("create", "namespace", ns);
      kubectl("label", "namespace", ns, "dockmaster.io/e2e-run=" + run);
      // No controller-manager in the dev cluster: pods need their ServiceAccount made by hand.
      kubectl("create", "serviceaccount", "default", "-n", ns);
    }
    kubectl("label", "namespace", governed, "governed=" + run);
    kubectl("label", "namespace", warned, "warned=" + run);

    images = new DevImages(cluster, commands, tmp, "adm-" + run + "/app");
    repo = images.repository();
    images.withUser("signed", "10001");
    images.withUser("root", "0");
    images.sign(repo + ":signed");

    operatorLog = tmp.resolve("operator.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                "java",
                "-jar",
                cluster.jar().toString(),
                "operator",
                "--health-port",
                "0",
                "--bind-address",
                "127.0.0.1",
                "--webhook-mode",
                "local",
                "--webhook-port",
                "0")
            .redirectErrorStream(true)
            .redirectOutput(operatorLog.toFile());
    builder.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
    operator = builder.start();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(Files.readString(operatorLog)).contains("operator started"));

    String pem = images.publicKeyPem(16);
    apply(
        """
        apiVersion: dockmaster.io/v1alpha1
        kind: ImagePolicy
        metadata: {name: e2e-%s, labels: {dockmaster.io/e2e-run: "%s"}}
        spec:
          namespaceSelector: {matchLabels: {governed: "%s"}}
          images: ["%s/**"]
          runAsNonRoot: true
          signature:
            authorities:
            - name: release
              key:
                pem: |
        %s
        """
            .formatted(run, run, run, cluster.registry() + "/adm-" + run, pem));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        kubectl(
                            "get",
                            "imagepolicy",
                            "e2e-" + run,
                            "-o",
                            "jsonpath={.status.conditions[0].status}"))
                    .isEqualTo("True"));
  }

  @AfterAll
  void tearDown() throws Exception {
    if (operator != null) {
      operator.destroy();
      assertThat(operator.waitFor(30, TimeUnit.SECONDS)).as("operator exits on SIGTERM").isTrue();
      System.out.println("--- operator log ---\n" + Files.readString(operatorLog));
      assertThat(
              commands
                  .run("kubectl", "get", "validatingwebhookconfiguration", "dockmaster")
                  .exitCode())
          .as("a local run removes its webhook registration on the way out")
          .isNotZero();
    }
    // Never leave a failurePolicy=Fail webhook pointing at a dead port behind.
    commands.run(
        "kubectl", "delete", "validatingwebhookconfiguration", "dockmaster", "--ignore-not-found");
    commands.run("kubectl", "delete", "imagepolicies", "-l", "dockmaster.io/e2e-run=" + run);
    commands.run("kubectl", "delete", "namespace", governed, ungoverned, warned, "--wait=false");
  }

  @Test
  void aSignedNonRootDeploymentIsAdmitted() {
    Commands.Result result = tryApply(deployment("good", repo + ":signed", governed));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).contains("deployment.apps/good created");
  }

  @Test
  void anUnsignedRootDeploymentIsRefusedAtApplyTimeWithEveryReason() {
    Commands.Result result = tryApply(deployment("bad", repo + ":root", governed));

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr())
        .contains("admission webhook \"images.dockmaster.io\" denied the request")
        .contains(
            "ImagePolicy \"e2e-"
                + run
                + "\": spec.template.spec.containers[0] \"app\" image "
                + repo
                + ":root (sha256:")
        .contains("NOT_SIGNED: it has no signature (trusted: \"release\")")
        .contains("RUNS_AS_ROOT: the image runs as \"0\" (root)");
  }

  @Test
  void aCronJobIsRefusedToo() {
    Commands.Result result =
        tryApply(
            """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly, namespace: %s}
            spec:
              schedule: "0 3 * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: job, image: "%s:root"}]
            """
                .formatted(governed, repo));

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr())
        .contains("spec.jobTemplate.spec.template.spec.containers[0] \"job\"");
  }

  @Test
  void aNamespaceOutsideTheSelectorIsNotGoverned() {
    Commands.Result result = tryApply(deployment("anything", repo + ":root", ungoverned));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
  }

  @Test
  void aMovedTagIsJudgedByItsNewDigest() {
    images.crane("tag", repo + ":root", "moving");

    Commands.Result result = tryApply(deployment("moving", repo + ":moving", governed));

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("NOT_SIGNED");
  }

  @Test
  void warnModeAdmitsWithAWarningUntilThePolicyTurnsToEnforce() {
    String policy = "e2e-warn-" + run;
    apply(
        """
        apiVersion: dockmaster.io/v1alpha1
        kind: ImagePolicy
        metadata: {name: %s, labels: {dockmaster.io/e2e-run: "%s"}}
        spec:
          mode: Warn
          namespaceSelector: {matchLabels: {warned: "%s"}}
          images: ["%s/**"]
          requireDigest: true
        """
            .formatted(policy, run, run, cluster.registry() + "/adm-" + run));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Commands.Result result = tryApply(deployment("tagged", repo + ":signed", warned));
              assertThat(result.exitCode()).as(result.stderr()).isZero();
              assertThat(result.stderr())
                  .contains(
                      "Warning: ImagePolicy \"" + policy + "\": spec.template.spec.containers[0]")
                  .contains("DIGEST_REQUIRED");
            });

    kubectl(
        "patch",
        "imagepolicy",
        policy,
        "--type",
        "merge",
        "-p",
        "{\"spec\":{\"mode\":\"Enforce\"}}");

    // A policy change takes effect on every replica within seconds, without a restart.
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Commands.Result result = tryApply(deployment("tagged-2", repo + ":signed", warned));
              assertThat(result.exitCode()).isNotZero();
              assertThat(result.stderr()).contains("DIGEST_REQUIRED: it is referenced by tag");
            });
  }

  @Test
  void initContainersAndDebugContainersAreJudged() {
    Commands.Result init =
        tryApply(
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: with-init, namespace: %s}
            spec:
              initContainers: [{name: setup, image: "%s:root"}]
              containers: [{name: app, image: "%s:signed"}]
            """
                .formatted(governed, repo, repo));
    assertThat(init.exitCode()).isNotZero();
    assertThat(init.stderr())
        .contains("spec.initContainers[0] \"setup\"")
        .doesNotContain("spec.containers[0]");

    apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: target, namespace: %s}
        spec:
          containers: [{name: app, image: "%s:signed"}]
        """
            .formatted(governed, repo));
    Commands.Result debug =
        commands.run(
            "kubectl",
            "debug",
            "-n",
            governed,
            "target",
            "--image=" + repo + ":root",
            "--container=debugger",
            "--attach=false");
    assertThat(debug.exitCode()).isNotZero();
    assertThat(debug.stderr())
        .contains("spec.ephemeralContainers[0] \"debugger\"")
        .contains("RUNS_AS_ROOT");
  }

  private static String deployment(String name, String image, String namespace) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %s, namespace: %s}
        spec:
          selector: {matchLabels: {app: %s}}
          template:
            metadata: {labels: {app: %s}}
            spec:
              containers: [{name: app, image: "%s"}]
        """
        .formatted(name, namespace, name, name, image);
  }

  private Commands.Result tryApply(String yaml) {
    return commands.runWithInput(yaml, "kubectl", "apply", "-f", "-");
  }

  private void apply(String yaml) {
    tryApply(yaml).orFail("kubectl apply -f -\n" + yaml);
  }

  private String kubectl(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "kubectl";
    System.arraycopy(args, 0, command, 1, args.length);
    return commands.run(command).orFail(String.join(" ", command)).stdout();
  }
}
