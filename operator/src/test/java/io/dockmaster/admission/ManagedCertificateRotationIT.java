package io.dockmaster.admission;

import static io.dockmaster.admission.Workloads.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dockmaster.pki.Pem;
import io.dockmaster.testing.TcpBalancer;
import io.dockmaster.webhooktls.RotationSettings;
import io.dockmaster.webhooktls.TlsState;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator-managed webhook certificates on a real API server, with lifetimes of seconds: while
 * serving certificates are renewed and a new CA is rolled in, neither a client that trusts only the
 * caBundle published at that moment nor the API server itself (failurePolicy Fail) sees a single
 * failed handshake or refused request.
 */
@EnableKubeAPIServer
class ManagedCertificateRotationIT {

  /**
   * The in-cluster settings want a certificate directory these managed-certificate tests never use.
   */
  @TempDir static Path unusedCertDir;

  private static final Logger log = LoggerFactory.getLogger(ManagedCertificateRotationIT.class);
  private static final String NAMESPACE = "dockmaster";
  private static final String SECRET = "dockmaster-webhook-tls";
  private static final RotationSettings FAST =
      new RotationSettings(Duration.ofSeconds(12), Duration.ofSeconds(4), Duration.ofSeconds(2));

  static KubernetesClient client;

  @Test
  void certificatesRotateAndTheCaRollsOverWithoutAFailedHandshakeOrRefusedRequest()
      throws Exception {
    for (String namespace : List.of("team", NAMESPACE)) {
      client
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
    }
    List<AdmissionWebhook> replicas = new ArrayList<>();
    List<String> failures = new CopyOnWriteArrayList<>();
    Set<BigInteger> servingSerials = ConcurrentHashMap.newKeySet();
    Set<String> issuers = ConcurrentHashMap.newKeySet();
    AtomicInteger direct = new AtomicInteger();
    AtomicInteger throughApiServer = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService traffic = Executors.newFixedThreadPool(3);
    try (TcpBalancer balancer = TcpBalancer.start()) {
      int port = balancer.port();
      for (int i = 0; i < 2; i++) {
        AdmissionWebhook replica =
            AdmissionWebhook.start(
                client, new ImageNamePodReviewer(), new SimpleMeterRegistry(), settings(port));
        replicas.add(replica);
        balancer.add(replica.port());
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThatThrownBy(
                          () ->
                              client
                                  .resource(pod("team", "probe", "r.example/bad:1"))
                                  .dryRun()
                                  .create())
                      .hasMessageContaining("Dockmaster denied this Pod"));

      // As the API server does: trust what the configuration says now, and nothing else.
      traffic.execute(
          () -> {
            while (!stop.get()) {
              String bundle = publishedBundle();
              try {
                AdmissionProbe.Answer answer = AdmissionProbe.send(port, bundle);
                if (answer.status() != 200 || !answer.body().contains("\"allowed\":true")) {
                  failures.add("direct: HTTP " + answer.status() + " " + answer.body());
                }
                servingSerials.add(answer.serial());
                issuers.add(answer.serving().getIssuerX500Principal().getName());
                direct.incrementAndGet();
              } catch (IOException | RuntimeException e) {
                failures.add("direct: " + e + " (bundle of " + count(bundle) + " CAs)");
              }
            }
          });
      for (int i = 0; i < 2; i++) {
        int worker = i;
        traffic.execute(
            () -> {
              while (!stop.get()) {
                try {
                  client.resource(pod("team", "ok-" + worker, "nginx")).dryRun().create();
                  throughApiServer.incrementAndGet();
                } catch (KubernetesClientException e) {
                  failures.add("API server: " + e.getMessage());
                }
              }
            });
      }

      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(
              () -> {
                assertThat(failures).isEmpty();
                // Two CAs served from means the CA rolled over at least once.
                assertThat(issuers).hasSizeGreaterThanOrEqualTo(2);
                assertThat(servingSerials).hasSizeGreaterThanOrEqualTo(5);
              });
      // And past the old CA's end, when it leaves the caBundle.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(count(publishedBundle())).isEqualTo(1));
      stop.set(true);
      traffic.shutdown();
      assertThat(traffic.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

      log.info(
          "{} direct reviews and {} through the API server across {} serving certificates from {}"
              + " CAs",
          direct.get(),
          throughApiServer.get(),
          servingSerials.size(),
          issuers.size());
      assertThat(failures).isEmpty();
      assertThat(direct.get()).isGreaterThan(50);
      assertThat(throughApiServer.get()).isGreaterThan(50);
      // The replica that lost a race to write learns the result from its watch on the Secret.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                X509Certificate stored =
                    TlsState.fromData(secretData()).orElseThrow().serving().certificate();
                for (AdmissionWebhook replica : replicas) {
                  assertThat(replica.server().certificate().leaf()).isEqualTo(stored);
                }
              });
    } finally {
      stop.set(true);
      traffic.shutdownNow();
      replicas.forEach(AdmissionWebhook::close);
    }
  }

  private static AdmissionSettings settings(int balancerPort) throws IOException {
    return AdmissionSettings.inCluster(unusedCertDir)
        .withBindAddress("127.0.0.1")
        .withPort(0)
        .withShutdownDelay(Duration.ZERO)
        .withRegistration(
            new Registration.InCluster(
                new WebhookTarget.Loopback(balancerPort), List.of(NAMESPACE)))
        .withManagedCertificates(
            new AdmissionSettings.ManagedCertificates(NAMESPACE, SECRET, FAST));
  }

  private static String publishedBundle() {
    ValidatingWebhookConfiguration configuration =
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withName(WebhookRegistration.CONFIGURATION_NAME)
            .get();
    ValidatingWebhook webhook = configuration.getWebhooks().get(0);
    return new String(
        Base64.getDecoder().decode(webhook.getClientConfig().getCaBundle()),
        StandardCharsets.US_ASCII);
  }

  private static int count(String bundle) {
    List<X509Certificate> certificates = Pem.readCertificates(bundle, "the caBundle");
    return certificates.size();
  }

  private static java.util.Map<String, String> secretData() {
    Secret secret = client.secrets().inNamespace(NAMESPACE).withName(SECRET).get();
    java.util.Map<String, String> data = new java.util.HashMap<>();
    secret
        .getData()
        .forEach(
            (k, v) ->
                data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.US_ASCII)));
    return data;
  }
}
