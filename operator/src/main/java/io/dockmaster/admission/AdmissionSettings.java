package io.dockmaster.admission;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the admission webhook serves.
 *
 * @param certDirectory holds {@code tls.crt} and {@code tls.key} (a mounted TLS Secret, or where a
 *     local run generates them), re-read when they change
 * @param reviewDeadline after this the request is denied, naming what was still being checked;
 *     below the webhook's timeoutSeconds so the API server never times out first
 * @param maxBodyBytes larger AdmissionReviews are refused with HTTP 413
 * @param workerThreads reviews running at once; each may wait on registries
 * @param drainTimeout how long close() lets reviews in flight finish
 * @param certificatePollInterval how often the certificate files are checked; zero disables
 */
public record AdmissionSettings(
    String bindAddress,
    int port,
    Path certDirectory,
    Duration reviewDeadline,
    int maxBodyBytes,
    int workerThreads,
    Duration drainTimeout,
    Duration certificatePollInterval,
    Registration registration) {

  public static final int DEFAULT_PORT = 8443;
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(8);
  public static final int DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

  public AdmissionSettings {
    if (reviewDeadline.isNegative()
        || reviewDeadline.isZero()
        || reviewDeadline.toMillis() >= WebhookRegistration.TIMEOUT_SECONDS * 1000L) {
      throw new IllegalArgumentException(
          "the review deadline must be between 0 and the webhook timeout of "
              + WebhookRegistration.TIMEOUT_SECONDS
              + "s, not "
              + ReviewWorkers.format(reviewDeadline));
    }
    if (maxBodyBytes <= 0 || workerThreads <= 0) {
      throw new IllegalArgumentException("body limit and worker threads must be positive");
    }
  }

  /** Serving on every interface, for a cluster; the chart registers the webhook. */
  public static AdmissionSettings inCluster(Path certDirectory) {
    return new AdmissionSettings(
        "0.0.0.0",
        DEFAULT_PORT,
        certDirectory,
        DEFAULT_DEADLINE,
        DEFAULT_MAX_BODY_BYTES,
        8,
        Duration.ofSeconds(10),
        Duration.ofSeconds(10),
        new Registration.External());
  }

  /** A local run on loopback that generates its certificates and registers itself. */
  public static AdmissionSettings local(Path certDirectory, int port, Registration.Local local) {
    return inCluster(certDirectory)
        .withBindAddress("127.0.0.1")
        .withPort(port)
        .withRegistration(local);
  }

  public AdmissionSettings withBindAddress(String bindAddress) {
    return new AdmissionSettings(
        bindAddress,
        port,
        certDirectory,
        reviewDeadline,
        maxBodyBytes,
        workerThreads,
        drainTimeout,
        certificatePollInterval,
        registration);
  }

  public AdmissionSettings withPort(int port) {
    return new AdmissionSettings(
        bindAddress,
        port,
        certDirectory,
        reviewDeadline,
        maxBodyBytes,
        workerThreads,
        drainTimeout,
        certificatePollInterval,
        registration);
  }

  public AdmissionSettings withReviewDeadline(Duration reviewDeadline) {
    return new AdmissionSettings(
        bindAddress,
        port,
        certDirectory,
        reviewDeadline,
        maxBodyBytes,
        workerThreads,
        drainTimeout,
        certificatePollInterval,
        registration);
  }

  public AdmissionSettings withCertificatePollInterval(Duration certificatePollInterval) {
    return new AdmissionSettings(
        bindAddress,
        port,
        certDirectory,
        reviewDeadline,
        maxBodyBytes,
        workerThreads,
        drainTimeout,
        certificatePollInterval,
        registration);
  }

  public AdmissionSettings withRegistration(Registration registration) {
    return new AdmissionSettings(
        bindAddress,
        port,
        certDirectory,
        reviewDeadline,
        maxBodyBytes,
        workerThreads,
        drainTimeout,
        certificatePollInterval,
        registration);
  }

  public Path certFile() {
    return certDirectory.resolve(WebhookCertificates.CERT_FILE);
  }

  public Path keyFile() {
    return certDirectory.resolve(WebhookCertificates.KEY_FILE);
  }
}
