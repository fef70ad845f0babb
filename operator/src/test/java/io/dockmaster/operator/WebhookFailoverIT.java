package io.dockmaster.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.admission.AdmissionProbe;
import io.dockmaster.admission.AdmissionSettings;
import io.dockmaster.admission.Registration;
import io.dockmaster.admission.WebhookRegistration;
import io.dockmaster.admission.WebhookTarget;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.testing.Crds;
import io.dockmaster.testing.OperatorNamespace;
import io.dockmaster.testing.SpecPatch;
import io.dockmaster.testing.TcpBalancer;
import io.dockmaster.webhooktls.RotationSettings;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two operator replicas serving the webhook behind a balancer that routes by readiness, as a
 * Service does, with the API server calling it (failurePolicy Fail) all the time: the leader is
 * stopped the way SIGTERM stops it, the other replica holds the Lease within the lease duration and
 * reconciles, and not one admission request is refused meanwhile.
 */
@EnableKubeAPIServer
class WebhookFailoverIT {

  /**
   * The in-cluster settings want a certificate directory these managed-certificate tests never use.
   */
  @TempDir static Path unusedCertDir;

  private static final Logger log = LoggerFactory.getLogger(WebhookFailoverIT.class);
  private static final String NAMESPACE = OperatorNamespace.NAME;
  private static final Duration LEASE_DURATION = Duration.ofSeconds(10);
  private static final Pattern ANSWERED =
      Pattern.compile(
          "dockmaster_admission_requests_total\\{[^}]*verdict=\"allowed\"[^}]*} (\\S+)");

  static KubernetesClient client;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void theLeaderStopsAndTheOtherReplicaTakesOverWithoutARefusedAdmission() throws Exception {
    Crds.install(client);
    OperatorNamespace.ensure(client);
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build())
        .create();
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger probed = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService traffic = Executors.newFixedThreadPool(4);
    DockmasterOperator a = null;
    DockmasterOperator b = null;
    try (TcpBalancer balancer = TcpBalancer.start()) {
      a = DockmasterOperator.start(client, settings("replica-a", balancer.port()));
      balancer.add(a.webhookPort().orElseThrow(), a.healthPort());
      await().atMost(Duration.ofSeconds(30)).until(() -> "replica-a".equals(holder()));
      b = DockmasterOperator.start(client, settings("replica-b", balancer.port()));
      balancer.add(b.webhookPort().orElseThrow(), b.healthPort());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(balancer.readyPorts()).hasSize(2));
      client.resource(policy()).create();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(observedGeneration()).isEqualTo(1L));

      for (int i = 0; i < 3; i++) {
        String name = "admitted-" + i;
        traffic.execute(
            () -> {
              while (!stop.get()) {
                try {
                  client.resource(pod(name)).dryRun().create();
                  admitted.incrementAndGet();
                } catch (KubernetesClientException e) {
                  failures.add(e.getMessage());
                }
              }
            });
      }
      // And a caller that never retries and opens a new connection for every review, so that
      // a replica still receiving connections after it stopped listening would show.
      int balancerPort = balancer.port();
      traffic.execute(
          () -> {
            while (!stop.get()) {
              try {
                AdmissionProbe.Answer answer = AdmissionProbe.send(balancerPort, publishedBundle());
                if (answer.status() != 200 || !answer.body().contains("\"allowed\":true")) {
                  failures.add("direct: HTTP " + answer.status() + " " + answer.body());
                }
                probed.incrementAndGet();
              } catch (IOException | RuntimeException e) {
                failures.add("direct: " + e);
              }
            }
          });
      DockmasterOperator first = a;
      DockmasterOperator second = b;
      // Both replicas answer: the balancer spreads the API server's connections.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(failures).isEmpty();
                assertThat(answered(first)).isGreaterThan(10);
                assertThat(answered(second)).isGreaterThan(10);
              });

      DockmasterOperator leader = "replica-a".equals(holder()) ? a : b;
      DockmasterOperator follower = leader == a ? b : a;
      String followerName = leader == a ? "replica-b" : "replica-a";
      int leaderPort = leader.webhookPort().orElseThrow();
      int admittedBefore = admitted.get();
      CompletableFuture<Void> stopping = CompletableFuture.runAsync(leader::close);
      await()
          .atMost(LEASE_DURATION)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> followerName.equals(holder()));
      stopping.get(30, TimeUnit.SECONDS);
      assertThat(refuses(leaderPort)).isTrue();

      // The new leader is writing to the object meanwhile.
      SpecPatch.patchSpec(
          client,
          ImagePolicy.class,
          "failover",
          ImagePolicy::getSpec,
          spec -> spec.setImages(List.of("registry.example.com/b/**")));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(observedGeneration()).isEqualTo(2L));
      double answeredBySurvivor = answered(follower);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> assertThat(answered(follower)).isGreaterThan(answeredBySurvivor + 20));
      stop.set(true);
      traffic.shutdown();
      assertThat(traffic.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

      log.info(
          "{} admissions through the API server, {} of them after the leader began stopping, and"
              + " {} direct reviews; {} refused",
          admitted.get(),
          admitted.get() - admittedBefore,
          probed.get(),
          failures.size());
      assertThat(failures).isEmpty();
      assertThat(balancer.turnedAway()).isZero();
    } finally {
      stop.set(true);
      traffic.shutdownNow();
      if (a != null) {
        a.close();
      }
      if (b != null) {
        b.close();
      }
    }
  }

  private static OperatorSettings settings(String identity, int balancerPort) throws IOException {
    AdmissionSettings admission =
        AdmissionSettings.inCluster(unusedCertDir)
            .withBindAddress("127.0.0.1")
            .withPort(0)
            // Ten readiness periods of the balancer: its view of who is ready catches up.
            .withShutdownDelay(Duration.ofSeconds(1))
            .withRegistration(
                new Registration.InCluster(
                    new WebhookTarget.Loopback(balancerPort), List.of(NAMESPACE)))
            .withManagedCertificates(
                new AdmissionSettings.ManagedCertificates(
                    NAMESPACE, "dockmaster-webhook-tls", RotationSettings.defaults()));
    return OperatorSettings.local(NAMESPACE)
        .withAdmission(admission)
        .withLeaderElection(
            new OperatorSettings.LeaderElection(
                NAMESPACE,
                "dockmaster-operator",
                identity,
                LEASE_DURATION,
                Duration.ofSeconds(8),
                Duration.ofMillis(500),
                false));
  }

  private double answered(DockmasterOperator replica) throws Exception {
    String metrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + replica.healthPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double total = 0;
    Matcher matcher = ANSWERED.matcher(metrics);
    while (matcher.find()) {
      total += Double.parseDouble(matcher.group(1));
    }
    return total;
  }

  private static String publishedBundle() {
    ValidatingWebhookConfiguration configuration =
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withName(WebhookRegistration.CONFIGURATION_NAME)
            .get();
    return new String(
        Base64.getDecoder()
            .decode(configuration.getWebhooks().get(0).getClientConfig().getCaBundle()),
        StandardCharsets.US_ASCII);
  }

  private static boolean refuses(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static String holder() {
    Lease lease = client.leases().inNamespace(NAMESPACE).withName("dockmaster-operator").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static Long observedGeneration() {
    ImagePolicy policy = client.resources(ImagePolicy.class).withName("failover").get();
    return policy.getStatus() == null ? null : policy.getStatus().getObservedGeneration();
  }

  private static ImagePolicy policy() {
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("failover").build());
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of("registry.example.com/a/**"));
    policy.setSpec(spec);
    return policy;
  }

  private static Pod pod(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("team")
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("nginx")
        .endContainer()
        .endSpec()
        .build();
  }
}
