package io.dockmaster.events;

import io.dockmaster.status.ConditionSet;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events that {@code kubectl describe} shows next to the object. Callers emit on
 * transitions only, so there is no need for client-go's event aggregation here.
 */
public final class EventRecorder {

  /** Events about cluster-scoped objects live here, as the kubelet does for Nodes. */
  private static final String CLUSTER_SCOPED_EVENT_NAMESPACE = "default";

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final int MAX_MESSAGE_LENGTH = 1024;

  private final KubernetesClient client;
  private final String component;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, String component, Clock clock) {
    this.client = client;
    this.component = component;
    this.clock = clock;
  }

  /**
   * Records an Event when the condition of {@code type} changed between {@code before} and {@code
   * after}: Normal with {@code whenTrue} if it is now True, Warning with {@code otherwise} if not.
   */
  public void onTransition(
      HasMetadata about,
      List<Condition> before,
      List<Condition> after,
      String type,
      EventReason whenTrue,
      EventReason otherwise) {
    if (!ConditionSet.changed(before, after, type)) {
      return;
    }
    ConditionSet.find(after, type)
        .ifPresent(
            condition -> {
              if (ConditionSet.TRUE.equals(condition.getStatus())) {
                normal(about, whenTrue, condition.getMessage());
              } else {
                warning(about, otherwise, condition.getMessage());
              }
            });
  }

  public void normal(HasMetadata about, EventReason reason, String message) {
    record(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, EventReason reason, String message) {
    record(about, "Warning", reason, message);
  }

  private void record(HasMetadata about, String type, EventReason reason, String message) {
    String namespace =
        about.getMetadata().getNamespace() != null
            ? about.getMetadata().getNamespace()
            : CLUSTER_SCOPED_EVENT_NAMESPACE;
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(about.getMetadata().getName() + ".")
            .withNamespace(namespace)
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(about.getApiVersion())
                    .withKind(about.getKind())
                    .withName(about.getMetadata().getName())
                    .withNamespace(about.getMetadata().getNamespace())
                    .withUid(about.getMetadata().getUid())
                    .withResourceVersion(about.getMetadata().getResourceVersion())
                    .build())
            .withType(type)
            .withReason(reason.name())
            .withMessage(truncate(message))
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(component)
            .endSource()
            .build();
    try {
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (KubernetesClientException e) {
      // An Event is a courtesy; failing to write one must not fail the reconciliation.
      log.warn(
          "could not record {} event {} for {}: {}",
          type,
          reason,
          about.getMetadata().getName(),
          e.getMessage());
    }
  }

  private static String truncate(String message) {
    return message.length() <= MAX_MESSAGE_LENGTH
        ? message
        : message.substring(0, MAX_MESSAGE_LENGTH - 1) + "…";
  }
}
