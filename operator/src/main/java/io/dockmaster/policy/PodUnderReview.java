package io.dockmaster.policy;

import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Map;

/**
 * A pod spec as admission sees it: inside a Pod or a workload's template, in a namespace.
 *
 * @param kind Pod, Deployment, CronJob, ...
 * @param specPath JSON path of the pod spec within the object, e.g. {@code spec} for a Pod, {@code
 *     spec.template.spec} for a Deployment, {@code spec.jobTemplate.spec.template.spec} for a
 *     CronJob; violation fields are relative to the object through it
 * @param ephemeralOnly only the ephemeral containers are new (the {@code pods/ephemeralcontainers}
 *     subresource, as {@code kubectl debug} uses): the running containers were admitted before and
 *     are not judged again
 * @param pullSecrets names of the pod's imagePullSecrets, for registry credentials
 */
public record PodUnderReview(
    String namespace,
    Map<String, String> namespaceLabels,
    String kind,
    String name,
    String specPath,
    PodSpec spec,
    boolean ephemeralOnly,
    List<String> pullSecrets) {}
