package io.dockmaster.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookRegistrationTest {

  private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  private final WebhookRegistration registration =
      new WebhookRegistration(null, List.of("dockmaster", "kube-system"));

  @Test
  void aLocalRunIsCalledOnLoopbackAndFailsClosed() {
    ValidatingWebhookConfiguration config =
        registration.desired(new WebhookTarget.Loopback(9443), CA);

    assertThat(config.getMetadata().getName()).isEqualTo("dockmaster");
    ValidatingWebhook webhook = config.getWebhooks().get(0);
    assertThat(webhook.getName()).isEqualTo("images.dockmaster.io");
    assertThat(webhook.getClientConfig().getUrl()).isEqualTo("https://127.0.0.1:9443/validate");
    assertThat(webhook.getClientConfig().getService()).isNull();
    assertThat(
            new String(
                Base64.getDecoder().decode(webhook.getClientConfig().getCaBundle()),
                StandardCharsets.US_ASCII))
        .isEqualTo(CA);
    assertThat(webhook.getFailurePolicy()).isEqualTo("Fail");
    assertThat(webhook.getSideEffects()).isEqualTo("None");
    assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
    assertThat(webhook.getTimeoutSeconds()).isEqualTo(10);
    assertThat(webhook.getMatchPolicy()).isEqualTo("Equivalent");
  }

  @Test
  void inTheClusterTheServiceIsCalled() {
    ValidatingWebhook webhook =
        registration
            .desired(new WebhookTarget.Service("dockmaster", "dockmaster-webhook", 443), CA)
            .getWebhooks()
            .get(0);

    assertThat(webhook.getClientConfig().getUrl()).isNull();
    assertThat(webhook.getClientConfig().getService().getNamespace()).isEqualTo("dockmaster");
    assertThat(webhook.getClientConfig().getService().getName()).isEqualTo("dockmaster-webhook");
    assertThat(webhook.getClientConfig().getService().getPort()).isEqualTo(443);
    assertThat(webhook.getClientConfig().getService().getPath()).isEqualTo("/validate");
  }

  @Test
  void coversPodsEphemeralContainersAndEveryWorkloadThatTemplatesPods() {
    List<RuleWithOperations> rules =
        registration.desired(new WebhookTarget.Loopback(1), CA).getWebhooks().get(0).getRules();

    assertThat(rules)
        .extracting(
            r ->
                String.join(",", r.getApiGroups())
                    + "/"
                    + String.join(",", r.getResources())
                    + " "
                    + String.join(",", r.getOperations()))
        .containsExactly(
            "/pods CREATE,UPDATE",
            "/pods/ephemeralcontainers UPDATE",
            "/replicationcontrollers CREATE,UPDATE",
            "apps/deployments,statefulsets,daemonsets,replicasets CREATE,UPDATE",
            "batch/jobs,cronjobs CREATE,UPDATE");
    assertThat(rules).allSatisfy(r -> assertThat(r.getApiVersions()).containsExactly("v1"));
  }

  @Test
  void kubeSystemAndTheOperatorNamespaceAreExemptByTheirUnforgeableNameLabel() {
    List<LabelSelectorRequirement> expressions =
        registration
            .desired(new WebhookTarget.Loopback(1), CA)
            .getWebhooks()
            .get(0)
            .getNamespaceSelector()
            .getMatchExpressions();

    assertThat(expressions).hasSize(1);
    assertThat(expressions.get(0).getKey()).isEqualTo("kubernetes.io/metadata.name");
    assertThat(expressions.get(0).getOperator()).isEqualTo("NotIn");
    assertThat(expressions.get(0).getValues()).containsExactly("kube-system", "dockmaster");
  }
}
