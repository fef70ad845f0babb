package io.dockmaster.audit;

import io.dockmaster.admission.PodSpecLocator;
import io.dockmaster.admission.PodSpecLocator.LocatedPodSpec;
import io.dockmaster.admission.UnreviewableRequestException;
import io.dockmaster.policy.AuditReport;
import io.dockmaster.policy.ImageInspector;
import io.dockmaster.policy.LoadedPolicy;
import io.dockmaster.policy.PodReviewer;
import io.dockmaster.policy.PodUnderReview;
import io.dockmaster.policy.PolicyEvaluator;
import io.dockmaster.policy.PolicyScope;
import io.dockmaster.policy.PullCredentials;
import io.dockmaster.policy.WorkloadAudit;
import io.dockmaster.status.ErrorMessages;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges the workloads already running in one policy's scope the way admission would judge their
 * creation now, whatever the policy's mode: an Audit or Warn policy reports what Enforce would
 * deny. Each workload goes through the webhook's own {@link PodSpecLocator} and an evaluator that
 * knows only this policy, so the audit and admission cannot disagree about where a pod spec is or
 * what a rule says.
 */
public final class PolicyAudit implements WorkloadAudit {

  private static final Logger log = LoggerFactory.getLogger(PolicyAudit.class);

  private final RunningWorkloads workloads;
  private final PodSpecLocator locator;
  private final ImageInspector inspector;
  private final PullCredentials pullCredentials;
  private final PolicyScope scope;
  private final AuditLimits limits;
  private final Clock clock;

  public PolicyAudit(
      RunningWorkloads workloads,
      PodSpecLocator locator,
      ImageInspector inspector,
      PullCredentials pullCredentials,
      PolicyScope scope,
      AuditLimits limits,
      Clock clock) {
    this.workloads = workloads;
    this.locator = locator;
    this.inspector = inspector;
    this.pullCredentials = pullCredentials;
    this.scope = scope;
    this.limits = limits;
    this.clock = clock;
  }

  @Override
  public AuditReport audit(LoadedPolicy policy) {
    Instant started = clock.instant();
    Map<String, Map<String, String>> governed;
    try {
      governed = governed(policy);
    } catch (KubernetesClientException e) {
      log.warn("cannot audit ImagePolicy {}: {}", policy.name(), ErrorMessages.of(e));
      return AuditReport.failed(
          policy.generation(),
          started,
          "namespaces could not be listed: " + describe(e, "namespaces"));
    }
    PodReviewer reviewer =
        new PolicyEvaluator(
            () -> List.of(policy), inspector, pullCredentials, scope.exemptNamespaces());
    Run run = new Run(governed, reviewer, started.plus(limits.timeBudget()));
    List<String> gaps = governed.isEmpty() ? List.of() : run.evaluateAll();
    AuditReport report = run.tally.report(policy.generation(), started, governed.size(), gaps);
    log.info(
        "audited ImagePolicy {} generation {}: {} workloads in {} namespaces, {} violations{}",
        policy.name(),
        policy.generation(),
        report.workloads(),
        report.namespaces(),
        report.violations(),
        gaps.isEmpty() ? "" : " (incomplete: " + String.join("; ", gaps) + ")");
    return report;
  }

  private Map<String, Map<String, String>> governed(LoadedPolicy policy) {
    return workloads.namespaces().entrySet().stream()
        .filter(ns -> scope.governs(policy, ns.getKey(), ns.getValue()))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  /** One audit's progress through the kinds, against one deadline and one tally. */
  private final class Run {
    private final Map<String, Map<String, String>> governed;
    private final PodReviewer reviewer;
    private final Instant deadline;
    private final AuditTally tally = new AuditTally(limits.maxFindings());

    Run(Map<String, Map<String, String>> governed, PodReviewer reviewer, Instant deadline) {
      this.governed = governed;
      this.reviewer = reviewer;
      this.deadline = deadline;
    }

    /** Returns why the counts may fall short, nothing when every workload was evaluated. */
    List<String> evaluateAll() {
      List<String> gaps = new ArrayList<>();
      for (Class<? extends HasMetadata> kind : WorkloadKinds.ALL) {
        try {
          Optional<String> stopped = evaluate(kind);
          if (stopped.isPresent()) {
            gaps.add(stopped.get());
            break;
          }
        } catch (KubernetesClientException e) {
          // One kind the role cannot list should not hide what the others show.
          String resource = WorkloadKinds.resource(kind);
          gaps.add(resource + " could not be listed: " + describe(e, resource));
        }
      }
      return gaps;
    }

    /** Returns why the audit stopped early, if it did. */
    private Optional<String> evaluate(Class<? extends HasMetadata> kind) {
      Iterator<? extends HasMetadata> objects = workloads.list(kind);
      while (objects.hasNext()) {
        // Checked per object listed, not per workload evaluated: paging through a large cluster's
        // out-of-scope pods costs time too.
        if (!clock.instant().isBefore(deadline)) {
          return Optional.of(
              "stopped after the time budget of "
                  + limits.timeBudget().toSeconds()
                  + "s; the remaining workloads were not evaluated");
        }
        HasMetadata object = objects.next();
        Map<String, String> labels = governed.get(object.getMetadata().getNamespace());
        if (labels == null || !WorkloadKinds.isTopLevel(object)) {
          continue;
        }
        if (tally.workloads() == limits.maxWorkloads()) {
          return Optional.of(
              "stopped at the limit of "
                  + limits.maxWorkloads()
                  + " workloads; more run in scope and were not evaluated");
        }
        review(kind, object, labels);
      }
      return Optional.empty();
    }

    private void review(
        Class<? extends HasMetadata> kind, HasMetadata object, Map<String, String> labels) {
      String namespace = object.getMetadata().getNamespace();
      Optional<LocatedPodSpec> located;
      try {
        located = locator.locate(creationOf(kind, object));
      } catch (UnreviewableRequestException e) {
        // The API server stored it, so this is a kind we cannot read rather than a bad object.
        log.warn(
            "audit skips {} {}/{}: {}",
            HasMetadata.getKind(kind),
            namespace,
            object.getMetadata().getName(),
            e.getMessage());
        return;
      }
      if (located.isEmpty()) {
        return;
      }
      LocatedPodSpec spec = located.get();
      PodUnderReview pod =
          new PodUnderReview(
              namespace,
              labels,
              spec.kind(),
              spec.name(),
              spec.specPath(),
              spec.spec(),
              false,
              pullSecrets(spec));
      tally.add(namespace, spec.kind(), spec.name(), reviewer.review(pod));
    }
  }

  /** The object as the webhook would see it created now: the question Enforce would answer. */
  private static AdmissionRequest creationOf(
      Class<? extends HasMetadata> kind, HasMetadata object) {
    return new AdmissionRequestBuilder()
        .withOperation("CREATE")
        .withKind(
            new GroupVersionKind(
                Objects.requireNonNullElse(HasMetadata.getGroup(kind), ""),
                HasMetadata.getKind(kind),
                HasMetadata.getVersion(kind)))
        .withNamespace(object.getMetadata().getNamespace())
        .withName(object.getMetadata().getName())
        .withObject(object)
        .build();
  }

  private static List<String> pullSecrets(LocatedPodSpec spec) {
    return Optional.ofNullable(spec.spec().getImagePullSecrets()).orElse(List.of()).stream()
        .filter(Objects::nonNull)
        .map(LocalObjectReference::getName)
        .filter(name -> name != null && !name.isBlank())
        .toList();
  }

  private static String describe(KubernetesClientException e, String resource) {
    return e.getCode() == 403
        ? "forbidden; the operator's role needs list on " + resource + " in all namespaces"
        : ErrorMessages.of(e);
  }
}
