package io.dockmaster.admission;

import static io.dockmaster.admission.AdmissionRequests.create;
import static io.dockmaster.admission.AdmissionRequests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.policy.PodReviewer;
import io.dockmaster.policy.PodUnderReview;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTPS server on loopback with an in-memory reviewer: no API server involved. */
class WebhookServerTest {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final List<String> NAMES = List.of("localhost");

  @TempDir Path certs;

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private WebhookCertificates certificates;
  private WebhookServer server;

  @BeforeEach
  void writeCertificates() {
    certificates = WebhookCertificates.generate(NAMES);
    certificates.writeTo(certs);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void answersAnAdmissionReviewAndCountsIt() throws Exception {
    server = start(new ImageNamePodReviewer(), settings());
    AdmissionRequest request = create(pod("registry.example.com/bad:1"));

    HttpResponse<String> response = post(client(), review(request));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    AdmissionReview answer = JSON.unmarshal(response.body(), AdmissionReview.class);
    assertThat(answer.getApiVersion()).isEqualTo("admission.k8s.io/v1");
    assertThat(answer.getResponse().getUid()).isEqualTo(request.getUid());
    assertThat(answer.getResponse().getAllowed()).isFalse();
    assertThat(answer.getResponse().getStatus().getMessage())
        .startsWith("Dockmaster denied this Pod \"p\": 1 image breaks ImagePolicy rules:\n- ");
    assertThat(registry.scrape())
        .contains(
            "dockmaster_admission_requests_total{kind=\"Pod\",operation=\"CREATE\",verdict=\"denied\"} 1.0");
  }

  @Test
  void aReviewPastTheDeadlineIsAnsweredAsADenialInTime() throws Exception {
    server =
        start(new ImageNamePodReviewer(), settings().withReviewDeadline(Duration.ofMillis(500)));

    HttpResponse<String> response =
        post(client(), review(create(pod("registry.example.com/slow:1"))));

    AdmissionResponse answer = JSON.unmarshal(response.body(), AdmissionReview.class).getResponse();
    assertThat(answer.getAllowed()).isFalse();
    assertThat(answer.getStatus().getMessage())
        .contains("did not finish within 500ms (checking registry.example.com/slow:1)");
  }

  @Test
  void aMalformedReviewIsABadRequest() throws Exception {
    server = start(new ImageNamePodReviewer(), settings());

    HttpResponse<String> response = post(client(), "{\"apiVersion\":\"v1\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            "malformed AdmissionReview: apiVersion is \"v1\"; Dockmaster reads admission.k8s.io/v1"
                + " (admissionReviewVersions: [v1])\n");
    assertThat(registry.scrape())
        .contains(
            "dockmaster_admission_requests_total{kind=\"unknown\",operation=\"unknown\",verdict=\"error\"} 1.0");
  }

  @Test
  void aBodyOverTheLimitIsRefused() throws Exception {
    server = start(new ImageNamePodReviewer(), settings(1024, Duration.ofSeconds(5)));

    HttpResponse<String> response = post(client(), "x".repeat(2000));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).isEqualTo("the AdmissionReview is larger than 1024 bytes\n");
  }

  @Test
  void onlyPostToValidateIsServed() throws Exception {
    server = start(new ImageNamePodReviewer(), settings());
    HttpClient client = client();

    HttpResponse<String> get =
        client.send(
            HttpRequest.newBuilder(url("/validate")).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> elsewhere =
        client.send(
            HttpRequest.newBuilder(url("/mutate"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("allow")).hasValue("POST");
    assertThat(elsewhere.statusCode()).isEqualTo(404);
  }

  @Test
  void aReloadedCertificateIsServedToNewConnectionsWithoutRefusingARequest() throws Exception {
    server = start(new ImageNamePodReviewer(), settings());
    assertThat(servedSerial()).isEqualTo(certificates.servingCertificate().getSerialNumber());
    WebhookCertificates next = certificates.reissue(NAMES);
    HttpClient keepAlive = client();
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicInteger answered = new AtomicInteger();
    AtomicBoolean reloaded = new AtomicBoolean();
    AtomicInteger afterReload = new AtomicInteger();
    CompletableFuture<Void> traffic =
        CompletableFuture.runAsync(
            () -> {
              // Alternate a kept-alive connection with fresh handshakes, across the reload.
              while (afterReload.get() < 20) {
                boolean wasReloaded = reloaded.get();
                HttpClient client = answered.get() % 2 == 0 ? keepAlive : client();
                try {
                  HttpResponse<String> response =
                      post(client, review(request("DELETE", pod("nginx"), null)));
                  if (response.statusCode() != 200
                      || !response.body().contains("\"allowed\":true")) {
                    failures.add(response.statusCode() + " " + response.body());
                  }
                } catch (Exception e) {
                  failures.add(e.toString());
                }
                answered.incrementAndGet();
                if (wasReloaded) {
                  afterReload.incrementAndGet();
                }
              }
            });
    await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() >= 10);

    server.reload(next.certificatePem(), next.privateKeyPem());
    reloaded.set(true);

    traffic.get(30, TimeUnit.SECONDS);
    assertThat(failures).isEmpty();
    assertThat(servedSerial()).isEqualTo(next.servingCertificate().getSerialNumber());
    assertThat(server.certificate().leaf()).isEqualTo(next.servingCertificate());
  }

  @Test
  void rewrittenCertificateFilesAreServedWithoutARestart() throws Exception {
    server =
        start(
            new ImageNamePodReviewer(),
            settings().withCertificatePollInterval(Duration.ofMillis(100)));
    WebhookCertificates next = certificates.reissue(NAMES);

    next.writeTo(certs);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(servedSerial()).isEqualTo(next.servingCertificate().getSerialNumber()));
  }

  @Test
  void aBrokenRotationKeepsTheWorkingCertificate() throws Exception {
    server = start(new ImageNamePodReviewer(), settings());
    WebhookCertificates other = WebhookCertificates.generate(NAMES);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> server.reload(other.certificatePem(), certificates.privateKeyPem()))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(servedSerial()).isEqualTo(certificates.servingCertificate().getSerialNumber());
  }

  @Test
  void closeLetsAReviewInFlightFinishAndTurnsNewRequestsAway() throws Exception {
    CountDownLatch reviewing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PodReviewer held =
        (PodUnderReview pod) -> {
          reviewing.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return List.of();
        };
    server = start(held, settings());
    HttpClient client = client();
    CompletableFuture<HttpResponse<String>> inFlight =
        client.sendAsync(
            postRequest(review(create(pod("nginx")))), HttpResponse.BodyHandlers.ofString());
    assertThat(reviewing.await(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        post(client(), review(request("DELETE", pod("nginx"), null))).statusCode())
                    .isEqualTo(503));
    assertThat(closing).isNotDone();
    release.countDown();

    HttpResponse<String> finished = inFlight.get(5, TimeUnit.SECONDS);
    assertThat(finished.statusCode()).isEqualTo(200);
    assertThat(finished.body()).contains("\"allowed\":true");
    closing.get(10, TimeUnit.SECONDS);
    assertThat(server.serving()).isFalse();
  }

  @Test
  void duringTheShutdownDelayEveryRequestIsAnsweredAndTheServerStopsOnlyAfterTheLast()
      throws Exception {
    CountDownLatch reviewing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PodReviewer slowForSlowImages =
        (PodUnderReview pod) -> {
          if (pod.spec().getContainers().get(0).getImage().contains("slow")) {
            reviewing.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return List.of();
        };
    server = start(slowForSlowImages, settings().withShutdownDelay(Duration.ofSeconds(5)));
    int port = server.port();
    HttpClient keptAlive = client();
    assertThat(post(keptAlive, review(request("DELETE", pod("nginx"), null))).statusCode())
        .isEqualTo(200);
    CompletableFuture<HttpResponse<String>> inFlight =
        client()
            .sendAsync(
                postRequest(review(create(pod("registry.example.com/slow:1")))),
                HttpResponse.BodyHandlers.ofString());
    assertThat(reviewing.await(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    await().atMost(Duration.ofSeconds(5)).until(() -> !server.serving());

    // Callers that have not yet learnt this replica is going are still answered, and told to
    // open their next connection elsewhere.
    AdmissionProbe.Answer late = AdmissionProbe.send(port, certificates.caBundlePem());
    assertThat(late.status()).isEqualTo(200);
    assertThat(late.body()).contains("\"allowed\":true");
    assertThat(late.head().toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
    HttpResponse<String> onKeptAlive =
        post(keptAlive, review(request("DELETE", pod("nginx"), null)));
    assertThat(onKeptAlive.statusCode()).isEqualTo(200);
    assertThat(onKeptAlive.headers().firstValue("connection")).hasValue("close");
    assertThat(closing).isNotDone();

    release.countDown();
    HttpResponse<String> finished = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(finished.statusCode()).isEqualTo(200);
    assertThat(finished.body()).contains("\"allowed\":true");
    closing.get(15, TimeUnit.SECONDS);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> AdmissionProbe.send(port, certificates.caBundlePem()))
        .isInstanceOf(java.io.IOException.class);
  }

  private WebhookServer start(PodReviewer reviewer, AdmissionSettings settings) {
    return WebhookServer.start(
        settings, reviewer, new InMemoryNamespaceLabels().with("team", Map.of()), registry);
  }

  private AdmissionSettings settings() {
    return settings(AdmissionSettings.DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(5));
  }

  private AdmissionSettings settings(int maxBodyBytes, Duration drain) {
    return new AdmissionSettings(
        "127.0.0.1",
        0,
        certs,
        AdmissionSettings.DEFAULT_DEADLINE,
        maxBodyBytes,
        4,
        drain,
        Duration.ZERO,
        new Registration.External(),
        Duration.ZERO,
        java.util.Optional.empty());
  }

  private BigInteger servedSerial() throws Exception {
    HttpResponse<String> response = post(client(), review(request("DELETE", pod("nginx"), null)));
    return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0])
        .getSerialNumber();
  }

  private HttpClient client() {
    return TrustingHttpClient.trusting(certificates.caBundlePem());
  }

  private HttpResponse<String> post(HttpClient client, String body) throws Exception {
    return client.send(postRequest(body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest postRequest(String body) {
    return HttpRequest.newBuilder(url("/validate?timeout=10s"))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(15))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private URI url(String path) {
    return URI.create("https://127.0.0.1:" + server.port() + path);
  }

  private static String review(AdmissionRequest request) {
    return JSON.asJson(new AdmissionReviewBuilder().withRequest(request).build());
  }

  private static Pod pod(String... images) {
    return Workloads.pod("team", "p", images);
  }
}
