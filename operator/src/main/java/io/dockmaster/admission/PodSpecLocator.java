package io.dockmaster.admission;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the pod spec inside an admitted object by its group and kind. Anything not listed here, and
 * any subresource other than {@code pods/ephemeralcontainers}, has no pod spec to judge.
 */
public final class PodSpecLocator {

  static final String EPHEMERAL_CONTAINERS = "ephemeralcontainers";

  private static final String TEMPLATE = "spec.template.spec";

  private static final Map<GroupKind, String> SPEC_PATHS =
      Map.of(
          new GroupKind("", "Pod"), "spec",
          new GroupKind("", "ReplicationController"), TEMPLATE,
          new GroupKind("apps", "Deployment"), TEMPLATE,
          new GroupKind("apps", "StatefulSet"), TEMPLATE,
          new GroupKind("apps", "DaemonSet"), TEMPLATE,
          new GroupKind("apps", "ReplicaSet"), TEMPLATE,
          new GroupKind("batch", "Job"), TEMPLATE,
          new GroupKind("batch", "CronJob"), "spec.jobTemplate.spec.template.spec");

  private final KubernetesSerialization serialization;

  public PodSpecLocator(KubernetesSerialization serialization) {
    this.serialization = serialization;
  }

  /**
   * The pod spec the request would admit, or empty when the request carries none (another kind, a
   * subresource such as {@code pods/status}, or DELETE and CONNECT, whose object is not a spec to
   * judge) or an UPDATE leaves the pod spec as it was.
   *
   * @throws UnreviewableRequestException when a kind that carries a pod spec arrives without a
   *     readable one; the API server validated the object before calling, so this is a request we
   *     cannot trust
   */
  public Optional<LocatedPodSpec> locate(AdmissionRequest request) {
    if (!"CREATE".equals(request.getOperation()) && !"UPDATE".equals(request.getOperation())) {
      return Optional.empty();
    }
    GroupVersionKind gvk = request.getKind();
    if (gvk == null) {
      return Optional.empty();
    }
    GroupKind kind = new GroupKind(nullToEmpty(gvk.getGroup()), nullToEmpty(gvk.getKind()));
    String specPath = SPEC_PATHS.get(kind);
    if (specPath == null) {
      return Optional.empty();
    }
    String subResource = nullToEmpty(request.getSubResource());
    boolean ephemeralOnly = false;
    if (!subResource.isEmpty()) {
      // kubectl debug adds containers through this subresource, always as an UPDATE of a Pod.
      ephemeralOnly =
          kind.kind().equals("Pod")
              && subResource.equals(EPHEMERAL_CONTAINERS)
              && "UPDATE".equals(request.getOperation());
      if (!ephemeralOnly) {
        return Optional.empty();
      }
    }
    JsonNode object = tree(request.getObject(), kind.kind());
    JsonNode spec = at(object, specPath);
    if (!spec.isObject()) {
      throw unreviewable("the " + kind.kind() + " has no pod spec at " + specPath, null);
    }
    if (request.getOldObject() != null
        && spec.equals(at(tree(request.getOldObject(), kind.kind()), specPath))) {
      // Nothing new would run. Controllers update labels, finalizers and owner references of pods
      // and workloads admitted long ago; a registry outage must not block those updates.
      return Optional.empty();
    }
    return Optional.of(
        new LocatedPodSpec(
            kind.kind(),
            name(request, object),
            specPath,
            podSpec(spec, kind, specPath),
            ephemeralOnly));
  }

  private static JsonNode at(JsonNode object, String path) {
    JsonNode node = object;
    for (String segment : path.split("\\.")) {
      node = node.path(segment);
    }
    return node;
  }

  private PodSpec podSpec(JsonNode spec, GroupKind kind, String specPath) {
    try {
      return serialization.convertValue(spec, PodSpec.class);
    } catch (RuntimeException e) {
      throw unreviewable(
          "the " + kind.kind() + "'s pod spec at " + specPath + " cannot be read", e);
    }
  }

  private static UnreviewableRequestException unreviewable(String message, Throwable cause) {
    return new UnreviewableRequestException(message, false, cause);
  }

  private JsonNode tree(Object object, String kind) {
    if (object == null) {
      throw unreviewable("the request carries no " + kind, null);
    }
    JsonNode tree;
    try {
      tree = serialization.convertValue(object, JsonNode.class);
    } catch (RuntimeException e) {
      throw unreviewable("the request's object cannot be read as a " + kind, e);
    }
    if (tree == null || !tree.isObject()) {
      throw unreviewable("the request's object is not a " + kind, null);
    }
    return tree;
  }

  /** The request's name, else the object's, else its generateName prefix (e.g. {@code web-}). */
  private static String name(AdmissionRequest request, JsonNode object) {
    if (request.getName() != null && !request.getName().isBlank()) {
      return request.getName();
    }
    JsonNode metadata = object.path("metadata");
    String name = metadata.path("name").asText("");
    return name.isBlank() ? metadata.path("generateName").asText("") : name;
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }

  private record GroupKind(String group, String kind) {}

  /**
   * A pod spec found in an admitted object.
   *
   * @param specPath where it sits in the object, e.g. {@code spec.template.spec}
   * @param ephemeralOnly it arrived through {@code pods/ephemeralcontainers}
   */
  public record LocatedPodSpec(
      String kind, String name, String specPath, PodSpec spec, boolean ephemeralOnly) {}
}
