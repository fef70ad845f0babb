package io.dockmaster.cli;

import io.dockmaster.admission.AdmissionSettings;
import io.dockmaster.admission.Registration;
import io.dockmaster.webhooktls.RotationSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The operator's admission webhook flags, each with an environment fallback. */
final class WebhookOptions {

  enum Mode {
    /** No webhook. */
    off,
    /** Serve; the Helm chart or an administrator registers the webhook. */
    external,
    /** Serve on loopback with generated certificates and register with the API server. */
    local,
    /** Serve in the cluster and register the webhook pointing at the operator's Service. */
    service
  }

  @Option(
      names = "--webhook-mode",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_MODE:-off}",
      description =
          "off, external (the chart registers it), local (loopback, generated certificates,"
              + " registered for a dev cluster) or service (registered against the Service)."
              + " Env DOCKMASTER_WEBHOOK_MODE, default: ${DEFAULT-VALUE}.")
  Mode mode;

  @Option(
      names = "--webhook-port",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_PORT:-8443}",
      description = "HTTPS port of the webhook (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--webhook-cert-dir",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_CERT_DIR}",
      description =
          "Directory with tls.crt and tls.key (and ca.crt in service mode), re-read when they"
              + " change. Local mode generates them here (default: a fresh temporary directory;"
              + " otherwise /etc/dockmaster/webhook).")
  Path certDir;

  @Option(
      names = "--webhook-review-timeout-seconds",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_REVIEW_TIMEOUT_SECONDS:-8}",
      description =
          "Deny with a reason after this long, before the API server's 10s timeout (1-9,"
              + " default: ${DEFAULT-VALUE}).")
  int reviewTimeoutSeconds;

  @Option(
      names = "--webhook-exempt-namespaces",
      split = ",",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_EXEMPT_NAMESPACES}",
      description =
          "Namespaces never sent to the webhook besides kube-system and the operator's own.")
  List<String> exemptNamespaces = new ArrayList<>();

  @Option(
      names = "--webhook-service-name",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_SERVICE:-dockmaster-webhook}",
      description = "Service the API server calls in service mode (default: ${DEFAULT-VALUE}).")
  String serviceName;

  @Option(
      names = "--webhook-service-port",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_SERVICE_PORT:-443}",
      description = "Port of that Service (default: ${DEFAULT-VALUE}).")
  int servicePort;

  @Option(
      names = "--webhook-certificate-secret",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_CERTIFICATE_SECRET}",
      description =
          "Service mode: the operator keeps the webhook's CA and serving certificate in this"
              + " Secret of --namespace, renews them before they expire, publishes the caBundle"
              + " and serves new certificates without a restart (every replica takes part)."
              + " Unset: tls.crt, tls.key and ca.crt are read from --webhook-cert-dir.")
  String certificateSecret;

  @Option(
      names = "--webhook-ca-validity-days",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_CA_VALIDITY_DAYS:-365}",
      description =
          "Lifetime of each operator-managed webhook CA; a new one is rolled in at two thirds"
              + " (default: ${DEFAULT-VALUE}).")
  int caValidityDays;

  @Option(
      names = "--webhook-serving-validity-days",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_SERVING_VALIDITY_DAYS:-30}",
      description =
          "Lifetime of each operator-managed serving certificate, renewed at two thirds"
              + " (default: ${DEFAULT-VALUE}).")
  int servingValidityDays;

  @Option(
      names = "--webhook-shutdown-delay-seconds",
      defaultValue = "${env:DOCKMASTER_WEBHOOK_SHUTDOWN_DELAY_SECONDS:-5}",
      description =
          "On shutdown, keep answering this long after readiness turns false, so the Service"
              + " stops sending requests before the webhook stops taking them (default:"
              + " ${DEFAULT-VALUE}).")
  int shutdownDelaySeconds;

  Optional<AdmissionSettings> toSettings(String operatorNamespace) throws java.io.IOException {
    List<String> exempt = new ArrayList<>(exemptNamespaces == null ? List.of() : exemptNamespaces);
    exempt.add(operatorNamespace);
    Duration deadline = Duration.ofSeconds(reviewTimeoutSeconds);
    if (mode != Mode.service && certificateSecret != null && !certificateSecret.isBlank()) {
      throw new IllegalArgumentException(
          "--webhook-certificate-secret applies to --webhook-mode=service only (is "
              + mode
              + "); unset it, or use service mode");
    }
    return switch (mode) {
      case off -> Optional.empty();
      case external ->
          Optional.of(
              AdmissionSettings.inCluster(certDirOr(Path.of("/etc/dockmaster/webhook")))
                  .withPort(port)
                  .withReviewDeadline(deadline)
                  .withShutdownDelay(shutdownDelay()));
      case local ->
          Optional.of(
              AdmissionSettings.local(
                      certDir != null
                          ? certDir
                          : java.nio.file.Files.createTempDirectory("dockmaster-webhook-"),
                      port,
                      new Registration.Local(exempt))
                  .withReviewDeadline(deadline));
      case service -> Optional.of(service(operatorNamespace, exempt, deadline));
    };
  }

  private AdmissionSettings service(
      String operatorNamespace, List<String> exempt, Duration deadline) {
    AdmissionSettings settings =
        AdmissionSettings.inCluster(certDirOr(Path.of("/etc/dockmaster/webhook")))
            .withPort(port)
            .withReviewDeadline(deadline)
            .withShutdownDelay(shutdownDelay())
            .withRegistration(
                new Registration.InCluster(operatorNamespace, serviceName, servicePort, exempt));
    if (certificateSecret == null || certificateSecret.isBlank()) {
      return settings;
    }
    return settings.withManagedCertificates(
        new AdmissionSettings.ManagedCertificates(
            operatorNamespace,
            certificateSecret.trim(),
            new RotationSettings(
                Duration.ofDays(positive(caValidityDays, "--webhook-ca-validity-days")),
                Duration.ofDays(positive(servingValidityDays, "--webhook-serving-validity-days")),
                RotationSettings.defaults().propagation())));
  }

  private Duration shutdownDelay() {
    if (shutdownDelaySeconds < 0) {
      throw new IllegalArgumentException(
          "--webhook-shutdown-delay-seconds must be 0 or more, not " + shutdownDelaySeconds);
    }
    return Duration.ofSeconds(shutdownDelaySeconds);
  }

  private static int positive(int days, String flag) {
    if (days <= 0) {
      throw new IllegalArgumentException(flag + " must be at least 1, not " + days);
    }
    return days;
  }

  private Path certDirOr(Path fallback) {
    return certDir != null ? certDir : fallback;
  }
}
