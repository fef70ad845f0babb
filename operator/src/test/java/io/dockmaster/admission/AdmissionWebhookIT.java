package io.dockmaster.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A local run as the operator starts it: its own certificates, registration and clean-up. */
@EnableKubeAPIServer
class AdmissionWebhookIT {

  static KubernetesClient client;

  @Test
  void aLocalRunRegistersItselfOnLoopbackAndUnregistersOnClose(@TempDir Path certs) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build())
        .create();
    Pod bad =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace("team")
            .withName("bad")
            .endMetadata()
            .withSpec(AdmissionRequests.spec("registry.example.com/bad:1"))
            .build();

    AdmissionWebhook webhook =
        AdmissionWebhook.start(
            client,
            new ImageNamePodReviewer(),
            new SimpleMeterRegistry(),
            AdmissionSettings.local(certs, 0, new Registration.Local(List.of("dockmaster"))));
    try {
      ValidatingWebhookConfiguration config = configuration();
      assertThat(config.getWebhooks().get(0).getClientConfig().getUrl())
          .isEqualTo("https://127.0.0.1:" + webhook.port() + "/validate");
      assertThat(certs.resolve("ca.crt")).exists();
      assertThat(certs.resolve("tls.crt")).exists();
      assertThat(certs.resolve("tls.key")).exists();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThatThrownBy(() -> client.resource(bad).dryRun().create())
                      .hasMessageContaining("Dockmaster denied this Pod \"bad\""));
    } finally {
      webhook.close();
    }

    assertThat(configuration()).isNull();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(client.resource(bad).dryRun().create()).isNotNull());
  }

  private static ValidatingWebhookConfiguration configuration() {
    return client
        .admissionRegistration()
        .v1()
        .validatingWebhookConfigurations()
        .withName(WebhookRegistration.CONFIGURATION_NAME)
        .get();
  }
}
