package io.dockmaster.webhooktls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.pki.Pem;
import io.dockmaster.testing.ManualClock;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Managed webhook certificates against a real API server, with a caBundle target we control. */
@EnableKubeAPIServer
class ManagedWebhookTlsIT {

  private static final String NAMESPACE = "dockmaster";

  static KubernetesClient client;

  @Test
  void theWebhookCountsAsRegisteredOnlyOnceABundleTrustingItsCertificateIsPublished() {
    createNamespace(NAMESPACE);
    FailingUntilAllowed publisher = new FailingUntilAllowed();
    try (ManagedWebhookTls tls = bootstrap(NAMESPACE, publisher, Clock.systemUTC())) {
      tls.start((chain, key) -> {});

      // Several failed publications, retried with backoff: none may count as registered.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(publisher.attempts.get()).isGreaterThanOrEqualTo(3));
      assertThat(tls.registered()).as("registered while every publication failed").isFalse();

      publisher.allowed.set(true);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(tls.registered()).isTrue());
      assertThat(publisher.bundle.get()).isEqualTo(tls.current().trustBundlePem());
    }
  }

  @Test
  void aReplicaStillServingAnExpiredCertificateIsNotRegistered() {
    String namespace = "dockmaster-expiry";
    createNamespace(namespace);
    FailingUntilAllowed publisher = new FailingUntilAllowed();
    publisher.allowed.set(true);
    ManualClock clock = new ManualClock(Instant.now());
    try (ManagedWebhookTls tls = bootstrap(namespace, publisher, clock)) {
      // The server cannot load any renewed certificate, so the first one stays served.
      tls.start(
          (chain, key) -> {
            throw new IllegalStateException("the server cannot load the renewed certificate");
          });
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(tls.registered()).isTrue());

      clock.advance(Duration.ofDays(31));

      assertThat(tls.registered())
          .as("registered while serving a certificate that expired a day ago")
          .isFalse();
    }
  }

  @Test
  void aCaCreatedWhileAnotherIsPublishedKeepsItTrusted() {
    String namespace = "dockmaster-lost-secret";
    createNamespace(namespace);
    // Another replica's CA is in the caBundle, but the Secret that held it is gone.
    X509Certificate previous =
        new CertificateIssuer(Clock.systemUTC())
            .authority("dockmaster-webhook-ca", Duration.ofDays(360))
            .certificate();
    FailingUntilAllowed publisher = new FailingUntilAllowed();
    publisher.allowed.set(true);
    publisher.publish(Pem.certificate(previous), publisher.read());
    try (ManagedWebhookTls tls = bootstrap(namespace, publisher, Clock.systemUTC())) {
      tls.start((chain, key) -> {});

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(tls.registered()).isTrue());
      assertThat(Pem.readCertificates(publisher.bundle.get(), "the published caBundle"))
          .as("the CA older replicas still serve, beside the new one")
          .containsExactlyInAnyOrder(previous, tls.current().authority().certificate());
    }
  }

  private static void createNamespace(String name) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  /** Certificates for the webhook Service in {@code namespace}: a 360-day CA, 30-day serving. */
  private static ManagedWebhookTls bootstrap(
      String namespace, TrustPublisher publisher, Clock clock) {
    return ManagedWebhookTls.bootstrap(
        client,
        namespace,
        "dockmaster-webhook-tls",
        new RotationSettings(Duration.ofDays(360), Duration.ofDays(30), Duration.ofMinutes(2)),
        List.of("dockmaster-webhook.dockmaster.svc"),
        publisher,
        clock);
  }

  /** A webhook configuration whose writes fail (an API server outage) until allowed. */
  private static final class FailingUntilAllowed implements TrustPublisher {
    final AtomicBoolean allowed = new AtomicBoolean();
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicReference<String> bundle = new AtomicReference<>("");
    private final AtomicInteger version = new AtomicInteger();

    @Override
    public Published read() {
      return new Published(bundle.get(), version.get() == 0 ? "" : String.valueOf(version.get()));
    }

    @Override
    public boolean publish(String bundlePem, Published basedOn) {
      attempts.incrementAndGet();
      if (!allowed.get()) {
        throw new IllegalStateException("the API server is unavailable");
      }
      bundle.set(bundlePem);
      version.incrementAndGet();
      return true;
    }
  }
}
