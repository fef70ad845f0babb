package io.dockmaster.admission;

import io.dockmaster.webhooktls.RotationSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the admission webhook serves.
 *
 * @param certDirectory holds {@code tls.crt} and {@code tls.key} (a mounted TLS Secret, or where a
 *     local run generates them), re-read when they change; unused with {@code managedCertificates}
 * @param reviewDeadline after this the request is denied, naming what was still being checked;
 *     below the webhook's timeoutSeconds so the API server never times out first
 * @param maxBodyBytes larger AdmissionReviews are refused with HTTP 413
 * @param workerThreads reviews running at once; each may wait on registries
 * @param drainTimeout how long close() lets reviews in flight finish
 * @param certificatePollInterval how often the certificate files are checked; zero disables
 * @param shutdownDelay how long close() keeps serving after readiness turns false, so that the
 *     Service's endpoints drop this replica before it stops answering
 * @param managedCertificates when present, the operator issues and rotates the certificates in a
 *     Secret and publishes the caBundle itself, instead of reading {@code certDirectory}
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
    Registration registration,
    Duration shutdownDelay,
    Optional<ManagedCertificates> managedCertificates) {

  public static final int DEFAULT_PORT = 8443;
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(8);
  public static final int DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;
  public static final Duration DEFAULT_SHUTDOWN_DELAY = Duration.ofSeconds(5);

  /**
   * Certificates the operator keeps itself.
   *
   * @param namespace where the Secret lives: the operator's
   * @param secretName the Secret holding the CAs and the serving certificate
   */
  public record ManagedCertificates(
      String namespace, String secretName, RotationSettings rotation) {}

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
    if (shutdownDelay.isNegative()) {
      throw new IllegalArgumentException(
          "the webhook shutdown delay cannot be negative, got " + shutdownDelay);
    }
    if (managedCertificates.isPresent() && !(registration instanceof Registration.InCluster)) {
      throw new IllegalArgumentException(
          "operator-managed webhook certificates need a shared registration (service mode), not "
              + registration.getClass().getSimpleName());
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
        new Registration.External(),
        DEFAULT_SHUTDOWN_DELAY,
        Optional.empty());
  }

  /** A local run on loopback that generates its certificates and registers itself. */
  public static AdmissionSettings local(Path certDirectory, int port, Registration.Local local) {
    // The registration is removed before the server stops, so there is nothing to wait for.
    return inCluster(certDirectory)
        .withBindAddress("127.0.0.1")
        .withPort(port)
        .withRegistration(local)
        .withShutdownDelay(Duration.ZERO);
  }

  public AdmissionSettings withBindAddress(String bindAddress) {
    return with(new Builder(this).bindAddress(bindAddress));
  }

  public AdmissionSettings withPort(int port) {
    return with(new Builder(this).port(port));
  }

  public AdmissionSettings withReviewDeadline(Duration reviewDeadline) {
    return with(new Builder(this).reviewDeadline(reviewDeadline));
  }

  public AdmissionSettings withCertificatePollInterval(Duration certificatePollInterval) {
    return with(new Builder(this).certificatePollInterval(certificatePollInterval));
  }

  public AdmissionSettings withRegistration(Registration registration) {
    return with(new Builder(this).registration(registration));
  }

  public AdmissionSettings withDrainTimeout(Duration drainTimeout) {
    return with(new Builder(this).drainTimeout(drainTimeout));
  }

  public AdmissionSettings withShutdownDelay(Duration shutdownDelay) {
    return with(new Builder(this).shutdownDelay(shutdownDelay));
  }

  public AdmissionSettings withManagedCertificates(ManagedCertificates managed) {
    return with(new Builder(this).managedCertificates(Optional.of(managed)));
  }

  public Path certFile() {
    return certDirectory.resolve(WebhookCertificates.CERT_FILE);
  }

  public Path keyFile() {
    return certDirectory.resolve(WebhookCertificates.KEY_FILE);
  }

  private static AdmissionSettings with(Builder b) {
    return new AdmissionSettings(
        b.bindAddress,
        b.port,
        b.certDirectory,
        b.reviewDeadline,
        b.maxBodyBytes,
        b.workerThreads,
        b.drainTimeout,
        b.certificatePollInterval,
        b.registration,
        b.shutdownDelay,
        b.managedCertificates);
  }

  /** One field changed at a time, the rest copied. */
  private static final class Builder {
    private String bindAddress;
    private int port;
    private final Path certDirectory;
    private Duration reviewDeadline;
    private final int maxBodyBytes;
    private final int workerThreads;
    private Duration drainTimeout;
    private Duration certificatePollInterval;
    private Registration registration;
    private Duration shutdownDelay;
    private Optional<ManagedCertificates> managedCertificates;

    Builder(AdmissionSettings s) {
      bindAddress = s.bindAddress;
      port = s.port;
      certDirectory = s.certDirectory;
      reviewDeadline = s.reviewDeadline;
      maxBodyBytes = s.maxBodyBytes;
      workerThreads = s.workerThreads;
      drainTimeout = s.drainTimeout;
      certificatePollInterval = s.certificatePollInterval;
      registration = s.registration;
      shutdownDelay = s.shutdownDelay;
      managedCertificates = s.managedCertificates;
    }

    Builder bindAddress(String value) {
      bindAddress = value;
      return this;
    }

    Builder port(int value) {
      port = value;
      return this;
    }

    Builder reviewDeadline(Duration value) {
      reviewDeadline = value;
      return this;
    }

    Builder drainTimeout(Duration value) {
      drainTimeout = value;
      return this;
    }

    Builder certificatePollInterval(Duration value) {
      certificatePollInterval = value;
      return this;
    }

    Builder registration(Registration value) {
      registration = value;
      return this;
    }

    Builder shutdownDelay(Duration value) {
      shutdownDelay = value;
      return this;
    }

    Builder managedCertificates(Optional<ManagedCertificates> value) {
      managedCertificates = value;
      return this;
    }
  }
}
