package io.dockmaster.admission;

import io.dockmaster.webhooktls.TrustPublisher;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the webhook with the API server: a ValidatingWebhookConfiguration for pods, their
 * ephemeral containers and every workload that templates pods. Failing closed ({@code
 * failurePolicy: Fail}), so kube-system and the operator's own namespace are exempt: otherwise a
 * stopped operator could not be started again.
 */
public final class WebhookRegistration {

  public static final String CONFIGURATION_NAME = "dockmaster";

  /**
   * The name kubectl shows: {@code admission webhook "images.dockmaster.io" denied the request}.
   */
  public static final String WEBHOOK_NAME = "images.dockmaster.io";

  public static final String KUBE_SYSTEM = "kube-system";

  /** Above the server's review deadline, so the server always answers first. */
  public static final int TIMEOUT_SECONDS = 10;

  private static final String FIELD_MANAGER = "dockmaster-operator";
  private static final List<String> CREATE_UPDATE = List.of("CREATE", "UPDATE");

  private static final Logger log = LoggerFactory.getLogger(WebhookRegistration.class);

  private final KubernetesClient client;
  private final List<String> exemptNamespaces;

  /**
   * @param exemptNamespaces never sent to the webhook, besides {@value #KUBE_SYSTEM}; include the
   *     operator's namespace
   */
  public WebhookRegistration(KubernetesClient client, List<String> exemptNamespaces) {
    this.client = client;
    Set<String> exempt = new LinkedHashSet<>();
    exempt.add(KUBE_SYSTEM);
    exempt.addAll(exemptNamespaces);
    this.exemptNamespaces = List.copyOf(exempt);
  }

  /** Creates or updates the configuration by server-side apply. */
  public ValidatingWebhookConfiguration apply(WebhookTarget target, String caBundlePem) {
    ValidatingWebhookConfiguration applied =
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .resource(desired(target, caBundlePem))
            .fieldManager(FIELD_MANAGER)
            .forceConflicts()
            .serverSideApply();
    log.info(
        "registered admission webhook {} calling {} (exempt namespaces {})",
        WEBHOOK_NAME,
        target,
        exemptNamespaces);
    return applied;
  }

  /**
   * Creates or updates the configuration unless it changed since {@code resourceVersion} was read
   * (empty: it did not exist), so a replica holding an older caBundle never overwrites a newer one.
   *
   * @return false when it changed meanwhile
   */
  public boolean applyIfUnchanged(
      WebhookTarget target, String caBundlePem, String resourceVersion) {
    ValidatingWebhookConfiguration desired = desired(target, caBundlePem);
    if (!resourceVersion.isEmpty()) {
      // Server-side apply treats a resourceVersion as a precondition.
      desired.getMetadata().setResourceVersion(resourceVersion);
    }
    try {
      client
          .admissionRegistration()
          .v1()
          .validatingWebhookConfigurations()
          .resource(desired)
          .fieldManager(FIELD_MANAGER)
          .forceConflicts()
          .serverSideApply();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return false;
      }
      if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
        throw new KubernetesClientException(
            "the operator may not patch ValidatingWebhookConfiguration "
                + CONFIGURATION_NAME
                + " (it needs get, patch and update on it by name; the chart grants them in"
                + " webhook.mode=service): "
                + e.getMessage(),
            e);
      }
      throw e;
    }
  }

  /**
   * The caBundle of the Dockmaster webhook as the API server has it now, and the configuration's
   * resourceVersion (empty when it does not exist).
   */
  public TrustPublisher.Published published() {
    ValidatingWebhookConfiguration current =
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withName(CONFIGURATION_NAME)
            .get();
    if (current == null) {
      return new TrustPublisher.Published("", "");
    }
    String bundle =
        current.getWebhooks() == null
            ? ""
            : current.getWebhooks().stream()
                .filter(w -> WEBHOOK_NAME.equals(w.getName()))
                .map(w -> w.getClientConfig() == null ? null : w.getClientConfig().getCaBundle())
                .filter(b -> b != null && !b.isEmpty())
                .map(b -> new String(Base64.getDecoder().decode(b), StandardCharsets.US_ASCII))
                .findFirst()
                .orElse("");
    return new TrustPublisher.Published(bundle, current.getMetadata().getResourceVersion());
  }

  /** Publishes caBundles for operator-managed certificates by applying the whole webhook. */
  public TrustPublisher publisherFor(WebhookTarget target) {
    return new TrustPublisher() {
      @Override
      public Published read() {
        return published();
      }

      @Override
      public boolean publish(String bundlePem, Published basedOn) {
        boolean applied = applyIfUnchanged(target, bundlePem, basedOn.version());
        if (applied) {
          log.info(
              "registered admission webhook {} calling {} (exempt namespaces {})",
              WEBHOOK_NAME,
              target,
              exemptNamespaces);
        }
        return applied;
      }
    };
  }

  /** Deletes the configuration, so a stopped local run no longer blocks pod creation. */
  public void remove() {
    try {
      client
          .admissionRegistration()
          .v1()
          .validatingWebhookConfigurations()
          .withName(CONFIGURATION_NAME)
          .delete();
      log.info("removed admission webhook configuration {}", CONFIGURATION_NAME);
    } catch (KubernetesClientException e) {
      log.warn(
          "cannot remove ValidatingWebhookConfiguration {}; delete it by hand or pods stay"
              + " blocked while the webhook is down: {}",
          CONFIGURATION_NAME,
          e.getMessage());
    }
  }

  ValidatingWebhookConfiguration desired(WebhookTarget target, String caBundlePem) {
    return new ValidatingWebhookConfigurationBuilder()
        .withNewMetadata()
        .withName(CONFIGURATION_NAME)
        .addToLabels("app.kubernetes.io/name", "dockmaster")
        .addToLabels("app.kubernetes.io/component", "admission-webhook")
        .endMetadata()
        .addNewWebhook()
        .withName(WEBHOOK_NAME)
        .withClientConfig(target.clientConfig(caBundlePem))
        .withFailurePolicy("Fail")
        .withSideEffects("None")
        .withAdmissionReviewVersions("v1")
        .withTimeoutSeconds(TIMEOUT_SECONDS)
        .withMatchPolicy("Equivalent")
        .withNamespaceSelector(
            new LabelSelectorBuilder()
                .addNewMatchExpression()
                .withKey(NamespaceLabels.NAME_LABEL)
                .withOperator("NotIn")
                .withValues(exemptNamespaces)
                .endMatchExpression()
                .build())
        .withRules(
            rule("", "pods", CREATE_UPDATE),
            rule("", "pods/ephemeralcontainers", List.of("UPDATE")),
            rule("", "replicationcontrollers", CREATE_UPDATE),
            rule(
                "apps",
                List.of("deployments", "statefulsets", "daemonsets", "replicasets"),
                CREATE_UPDATE),
            rule("batch", List.of("jobs", "cronjobs"), CREATE_UPDATE))
        .endWebhook()
        .build();
  }

  private static RuleWithOperations rule(String group, String resource, List<String> operations) {
    return rule(group, List.of(resource), operations);
  }

  private static RuleWithOperations rule(
      String group, List<String> resources, List<String> operations) {
    return new RuleWithOperationsBuilder()
        .withApiGroups(group)
        .withApiVersions("v1")
        .withResources(resources)
        .withOperations(operations)
        .withScope("Namespaced")
        .build();
  }
}
