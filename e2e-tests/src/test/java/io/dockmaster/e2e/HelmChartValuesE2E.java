package io.dockmaster.e2e;

import static io.dockmaster.e2e.HelmRelease.NON_DEFAULT;
import static io.dockmaster.e2e.HelmRelease.concat;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Helm chart's values in {@code helm/dockmaster}, with the real {@code helm} (built by {@code
 * hack/build-tools.sh helm}): {@code helm lint --strict} with default and non-default values, and
 * bad values (schema and cross-field errors) failing {@code helm template} with a message naming
 * the field. Nothing is sent to the API server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartValuesE2E {

  private final HelmRelease helmRelease = HelmRelease.fresh(DevCluster.fromEnvFile(), "dockmaster");
  private final String namespace = helmRelease.namespace();
  private final String release = helmRelease.release();
  private final Path chart = helmRelease.chart();
  private final String helm = helmRelease.helm();
  private final Commands commands = helmRelease.commands();

  @Test
  void lintPassesWithDefaultAndNonDefaultValues() {
    assertThat(
            commands.run(helm, "lint", "--strict", chart.toString()).orFail("helm lint").stdout())
        .contains("1 chart(s) linted, 0 chart(s) failed");
    assertThat(
            commands
                .run(concat(new String[] {helm, "lint", "--strict", chart.toString()}, NON_DEFAULT))
                .orFail("helm lint with non-default values")
                .stdout())
        .contains("0 chart(s) failed");
  }

  @Test
  void badValuesFailWithAMessageNamingTheField() {
    Commands.Result badMode = helmRelease.template("--set", "webhook.mode=sometimes");
    assertThat(badMode.exitCode()).isNotZero();
    assertThat(badMode.stderr())
        .contains("/webhook/mode", "value must be one of 'service', 'external', 'off'");

    Commands.Result noReplicas = helmRelease.template("--set", "replicaCount=0");
    assertThat(noReplicas.exitCode()).isNotZero();
    assertThat(noReplicas.stderr()).contains("/replicaCount", "minimum");

    Commands.Result badPort = helmRelease.template("--set", "webhook.port=70000");
    assertThat(badPort.exitCode()).isNotZero();
    assertThat(badPort.stderr()).contains("/webhook/port", "maximum");

    Commands.Result typo = helmRelease.template("--set", "webhook.failurPolicy=Ignore");
    assertThat(typo.exitCode()).isNotZero();
    assertThat(typo.stderr()).contains("/webhook", "'failurPolicy' not allowed");

    Commands.Result externalWithoutCertManager =
        helmRelease.template("--set", "webhook.mode=external");
    assertThat(externalWithoutCertManager.exitCode()).isNotZero();
    assertThat(externalWithoutCertManager.stderr())
        .contains("webhook.mode=external", "webhook.certManager.enabled=true");

    Commands.Result ownSecretManagedByTheOperator =
        helmRelease.template("--set", "webhook.certificate.existingSecret=mine");
    assertThat(ownSecretManagedByTheOperator.exitCode()).isNotZero();
    assertThat(ownSecretManagedByTheOperator.stderr())
        .contains("webhook.certificate.existingSecret", "webhook.certificate.mode=helm");

    Commands.Result servingOutlivesCa =
        helmRelease.template("--set", "webhook.certificate.operator.servingValidityDays=400");
    assertThat(servingOutlivesCa.exitCode()).isNotZero();
    assertThat(servingOutlivesCa.stderr())
        .contains(
            "webhook.certificate.operator.servingValidityDays (400) cannot exceed"
                + " webhook.certificate.operator.caValidityDays (365)");

    Commands.Result noPeerPort = helmRelease.template("--set", "agent.peerPort=0");
    assertThat(noPeerPort.exitCode()).isNotZero();
    assertThat(noPeerPort.stderr()).contains("/agent/peerPort", "minimum");

    Commands.Result negativeWatermark =
        helmRelease.template("--set-json", "agent.cache.lowWatermark=-0.1");
    assertThat(negativeWatermark.exitCode()).isNotZero();
    assertThat(negativeWatermark.stderr())
        .contains("/agent/cache/lowWatermark", "exclusiveMinimum");

    Commands.Result invertedWatermarks =
        helmRelease.template("--set", "agent.cache.lowWatermark=0.95");
    assertThat(invertedWatermarks.exitCode()).isNotZero();
    assertThat(invertedWatermarks.stderr())
        .contains("agent.cache.lowWatermark (0.95) must be below agent.cache.highWatermark (0.9)");

    Commands.Result badQuantity = helmRelease.template("--set", "agent.uploadBandwidth=100MB/s");
    assertThat(badQuantity.exitCode()).isNotZero();
    assertThat(badQuantity.stderr()).contains("/agent/uploadBandwidth", "does not match pattern");

    Commands.Result samePorts = helmRelease.template("--set", "agent.healthPort=30020");
    assertThat(samePorts.exitCode()).isNotZero();
    assertThat(samePorts.stderr()).contains("agent.healthPort and agent.peerPort are both 30020");
  }
}
