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
 * The built jar against the dev control plane and registry, driven with kubectl and crane the way a
 * user would: CRDs applied from {@code crds/}, resources applied as YAML, status read back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorE2E {

  private final DevCluster cluster = DevCluster.fromEnvFile();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private Commands commands;
  private Process operator;
  private Path operatorLog;

  @BeforeAll
  void startOperator() throws IOException {
    commands = new Commands(Map.of("KUBECONFIG", cluster.kubeconfig().toString()), cluster.root());
    commands
        .run("kubectl", "apply", "--server-side", "--force-conflicts", "-f", "crds/")
        .orFail("kubectl apply -f crds/");
    commands
        .run(
            "kubectl",
            "wait",
            "--for",
            "condition=Established",
            "--timeout=60s",
            "crd/imagepolicies.dockmaster.io",
            "crd/imagemirrors.dockmaster.io")
        .orFail("waiting for the CRDs");

    operatorLog = Files.createTempFile("dockmaster-operator-e2e-", ".log");
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
                // As in a cluster: a leader that must hand over cleanly on SIGTERM.
                "--leader-election-namespace",
                "default",
                "--lease-name",
                "dockmaster-e2e-" + run)
            .redirectErrorStream(true)
            .redirectOutput(operatorLog.toFile());
    builder.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
    operator = builder.start();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(Files.readString(operatorLog)).contains("operator started"));
  }

  @AfterAll
  void stopOperator() throws Exception {
    // The dev cluster outlives this run: leave nothing behind, passed or failed.
    commands.run(
        "kubectl", "delete", "imagemirrors,imagepolicies", "-l", "dockmaster.io/e2e-run=" + run);
    if (operator != null) {
      operator.destroy();
      assertThat(operator.waitFor(30, TimeUnit.SECONDS)).as("operator exits on SIGTERM").isTrue();
      System.out.println("--- operator log ---\n" + Files.readString(operatorLog));
    }
  }

  @Test
  void imageMirrorResolvesAnImagePushedWithCrane() throws IOException {
    DevImages images =
        new DevImages(
            cluster, commands, Files.createTempDirectory("dockmaster-e2e-"), "e2e-" + run + "/app");
    String digest = images.digest(images.withUser("1.0", "10001"));

    String name = "e2e-" + run;
    applyMirror(name, "e2e-" + run + "/app:1.0");

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        jsonpath(
                            "imagemirror",
                            name,
                            "{.status.conditions[?(@.type==\"Ready\")].reason}"))
                    .as("resolved; no agent runs in this cluster, so nothing is prefetched")
                    .isEqualTo("NoAgents"));
    assertThat(jsonpath("imagemirror", name, "{.status.images[0].digest}")).isEqualTo(digest);
    assertThat(jsonpath("imagemirror", name, "{.status.images[0].platforms[0]}"))
        .isEqualTo("linux/amd64");
    assertThat(jsonpath("imagemirror", name, "{.status.observedGeneration}")).isEqualTo("1");
    assertThat(commands.run("kubectl", "get", "imagemirror", name).orFail("kubectl get").stdout())
        .contains("UPSTREAM", "NODES", "PROGRESS", cluster.registry(), "0/0", "False");
  }

  @Test
  void imageMirrorOfAMissingImageIsDegradedWithTheReason() {
    String name = "e2e-missing-" + run;
    applyMirror(name, "e2e-" + run + "/absent:1.0");

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        jsonpath(
                            "imagemirror",
                            name,
                            "{.status.conditions[?(@.type==\"Degraded\")].reason}"))
                    .isEqualTo("ImageNotFound"));
    assertThat(jsonpath("imagemirror", name, "{.status.conditions[?(@.type==\"Ready\")].message}"))
        .contains("has no manifest e2e-" + run + "/absent:1.0")
        .contains("Check the repository and tag in spec.images");
  }

  @Test
  void apiServerRejectsAnUnknownModeNamingTheField() {
    Commands.Result result =
        commands.runWithInput(
            """
            apiVersion: dockmaster.io/v1alpha1
            kind: ImagePolicy
            metadata: {name: e2e-bad-%s}
            spec: {mode: Sometimes}
            """
                .formatted(run),
            "kubectl",
            "apply",
            "-f",
            "-");

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("spec.mode: Unsupported value: \"Sometimes\"");
  }

  @Test
  void imagePolicyWithAnUnreadableKeyIsRefusedInStatus() {
    String name = "e2e-policy-" + run;
    apply(
        """
            apiVersion: dockmaster.io/v1alpha1
            kind: ImagePolicy
            metadata: {name: %s, labels: {dockmaster.io/e2e-run: "%s"}}
            spec:
              mode: Audit
              images: ["%s/**"]
              signature:
                authorities:
                - name: release
                  key: {secretRef: {namespace: default, name: absent-%s}}
            """
            .formatted(name, run, cluster.registry(), run));

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        jsonpath(
                            "imagepolicy",
                            name,
                            "{.status.conditions[?(@.type==\"Ready\")].message}"))
                    .contains(
                        "spec.signature.authorities[0].key.secretRef: Secret default/absent-"
                            + run
                            + " does not exist"));
    assertThat(jsonpath("imagepolicy", name, "{.status.conditions[?(@.type==\"Ready\")].reason}"))
        .isEqualTo("InvalidSpec");
  }

  private void applyMirror(String name, String image) {
    apply(
        """
        apiVersion: dockmaster.io/v1alpha1
        kind: ImageMirror
        metadata: {name: %s, labels: {dockmaster.io/e2e-run: "%s"}}
        spec:
          upstream: {registry: "%s"}
          images: [%s]
        """
            .formatted(name, run, cluster.registry(), image));
  }

  private void apply(String yaml) {
    commands
        .runWithInput(yaml, "kubectl", "apply", "-f", "-")
        .orFail("kubectl apply -f -\n" + yaml);
  }

  private String jsonpath(String kind, String name, String path) {
    return commands
        .run("kubectl", "get", kind, name, "-o", "jsonpath=" + path)
        .orFail("kubectl get")
        .stdout();
  }
}
