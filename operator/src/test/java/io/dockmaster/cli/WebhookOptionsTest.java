package io.dockmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.admission.AdmissionSettings;
import io.dockmaster.admission.Registration;
import io.dockmaster.admission.WebhookTarget;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class WebhookOptionsTest {

  @Test
  void serviceModeWithACertificateSecretLetsTheOperatorKeepTheCertificate() throws Exception {
    AdmissionSettings settings =
        parse(
                "--webhook-mode=service",
                "--webhook-certificate-secret=dockmaster-webhook-tls",
                "--webhook-service-name=dm-webhook")
            .toSettings("dockmaster")
            .orElseThrow();

    AdmissionSettings.ManagedCertificates managed = settings.managedCertificates().orElseThrow();
    assertThat(managed.namespace()).isEqualTo("dockmaster");
    assertThat(managed.secretName()).isEqualTo("dockmaster-webhook-tls");
    assertThat(managed.rotation().authorityValidity()).isEqualTo(Duration.ofDays(365));
    assertThat(managed.rotation().servingValidity()).isEqualTo(Duration.ofDays(30));
    assertThat(settings.shutdownDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(((Registration.InCluster) settings.registration()).target())
        .isEqualTo(new WebhookTarget.Service("dockmaster", "dm-webhook", 443));
  }

  @Test
  void withoutTheSecretServiceModeReadsTheMountedFilesAndLocalModeNeedsNoDelay() throws Exception {
    assertThat(parse("--webhook-mode=service").toSettings("dockmaster").orElseThrow())
        .satisfies(s -> assertThat(s.managedCertificates()).isEmpty());
    assertThat(
            parse("--webhook-mode=local", "--webhook-shutdown-delay-seconds=7")
                .toSettings("dockmaster")
                .orElseThrow()
                .shutdownDelay())
        .isZero();
  }

  @Test
  void mistakesNameTheFlag() {
    assertThatThrownBy(
            () ->
                parse("--webhook-mode=local", "--webhook-certificate-secret=x")
                    .toSettings("dockmaster"))
        .hasMessageContaining("--webhook-certificate-secret applies to --webhook-mode=service");
    assertThatThrownBy(
            () ->
                parse(
                        "--webhook-mode=service",
                        "--webhook-certificate-secret=x",
                        "--webhook-serving-validity-days=400")
                    .toSettings("dockmaster"))
        .hasMessageContaining("--webhook-serving-validity-days");
    assertThatThrownBy(
            () ->
                parse("--webhook-mode=service", "--webhook-shutdown-delay-seconds=-1")
                    .toSettings("dockmaster"))
        .hasMessageContaining("--webhook-shutdown-delay-seconds must be 0 or more");
  }

  private static WebhookOptions parse(String... args) {
    return CommandLine.populateCommand(new WebhookOptions(), args);
  }
}
