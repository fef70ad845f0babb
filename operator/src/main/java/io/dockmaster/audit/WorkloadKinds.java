package io.dockmaster.audit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The workload kinds the audit evaluates (the kinds admission judges), and which of their objects
 * count: a Deployment's ReplicaSets and Pods run its template, so only objects whose controller is
 * not itself an audited kind are evaluated. A Pod controlled by a custom resource (a CI run, a
 * database operator) still counts: nothing else here would judge its spec.
 */
final class WorkloadKinds {

  /** Owners first, so that a limit reached leaves out the stray Pods rather than Deployments. */
  static final List<Class<? extends HasMetadata>> ALL =
      List.of(
          Deployment.class,
          StatefulSet.class,
          DaemonSet.class,
          CronJob.class,
          Job.class,
          ReplicaSet.class,
          ReplicationController.class,
          Pod.class);

  private static final Set<String> GROUP_KINDS =
      ALL.stream()
          .map(kind -> groupKind(group(HasMetadata.getGroup(kind)), HasMetadata.getKind(kind)))
          .collect(Collectors.toUnmodifiableSet());

  private WorkloadKinds() {}

  static boolean isTopLevel(HasMetadata object) {
    List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
    return owners == null
        || owners.stream()
            .filter(owner -> Boolean.TRUE.equals(owner.getController()))
            .noneMatch(owner -> GROUP_KINDS.contains(groupKind(owner)));
  }

  /** How RBAC names the kind, e.g. {@code deployments.apps} or {@code pods}. */
  static String resource(Class<? extends HasMetadata> kind) {
    return HasMetadata.getFullResourceName(kind);
  }

  private static String groupKind(OwnerReference owner) {
    String apiVersion = owner.getApiVersion() == null ? "" : owner.getApiVersion();
    int slash = apiVersion.indexOf('/');
    return groupKind(slash < 0 ? "" : apiVersion.substring(0, slash), owner.getKind());
  }

  private static String groupKind(String group, String kind) {
    return kind + "." + group;
  }

  private static String group(String group) {
    return group == null ? "" : group;
  }
}
