package io.dockmaster.admission;

import io.dockmaster.admission.PodSpecLocator.LocatedPodSpec;
import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.policy.PodReviewer;
import io.dockmaster.policy.PodUnderReview;
import io.dockmaster.policy.Violation;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges one admission request: finds its pod spec, asks the {@link PodReviewer}, and maps the
 * violations to an answer. Blocking (the reviewer may call registries), so it runs on a worker.
 */
public final class AdmissionJudge {

  private static final Logger log = LoggerFactory.getLogger(AdmissionJudge.class);

  private final PodSpecLocator locator;
  private final NamespaceLabels namespaces;
  private final PodReviewer reviewer;
  private final AnswerBuilder answers;

  public AdmissionJudge(
      PodSpecLocator locator,
      NamespaceLabels namespaces,
      PodReviewer reviewer,
      AnswerBuilder answers) {
    this.locator = locator;
    this.namespaces = namespaces;
    this.reviewer = reviewer;
    this.answers = answers;
  }

  public AdmissionAnswer judge(AdmissionRequest request) {
    return judge(request, pod -> {});
  }

  /**
   * @param started told which pod spec goes to the reviewer before the call, so that a deadline
   *     passing during the review can name what was being checked
   */
  public AdmissionAnswer judge(AdmissionRequest request, Consumer<PodUnderReview> started) {
    String uid = request.getUid();
    try {
      Optional<LocatedPodSpec> located = locator.locate(request);
      if (located.isEmpty()) {
        return answers.allow(uid);
      }
      PodUnderReview pod = underReview(request, located.get());
      started.accept(pod);
      AdmissionAnswer answer =
          answers.fromViolations(uid, pod.kind(), pod.name(), reviewer.review(pod));
      logAudited(pod, answer.violations());
      return answer;
    } catch (UnreviewableRequestException e) {
      log.warn("cannot review {} (request uid {}): {}", describe(request), uid, e.getMessage());
      return answers.failClosed(
          uid, kind(request), request.getName(), e.transientFailure(), e.getMessage());
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        // The deadline passed and the answer was already given; nobody reads this one.
        log.debug("review of {} interrupted after its deadline", describe(request), e);
      } else {
        log.error("reviewing {} failed (request uid {})", describe(request), uid, e);
      }
      return answers.failClosed(
          uid,
          kind(request),
          request.getName(),
          false,
          "the image review failed unexpectedly; the operator log has the details under request"
              + " uid "
              + uid);
    }
  }

  private PodUnderReview underReview(AdmissionRequest request, LocatedPodSpec located) {
    List<String> pullSecrets =
        Optional.ofNullable(located.spec().getImagePullSecrets()).orElse(List.of()).stream()
            .filter(Objects::nonNull)
            .map(LocalObjectReference::getName)
            .filter(name -> name != null && !name.isBlank())
            .toList();
    return new PodUnderReview(
        request.getNamespace(),
        namespaces.of(request.getNamespace()),
        located.kind(),
        located.name(),
        located.specPath(),
        located.spec(),
        located.ephemeralOnly(),
        pullSecrets);
  }

  private static void logAudited(PodUnderReview pod, List<Violation> violations) {
    for (Violation violation : violations) {
      if (violation.mode() == PolicyMode.Audit) {
        log.info(
            "audit: {} {}/{} admitted despite: {}",
            pod.kind(),
            pod.namespace(),
            pod.name(),
            violation.message());
      }
    }
  }

  static String kind(AdmissionRequest request) {
    return request.getKind() == null ? null : request.getKind().getKind();
  }

  private static String describe(AdmissionRequest request) {
    return request.getOperation()
        + " "
        + kind(request)
        + " "
        + request.getNamespace()
        + "/"
        + request.getName();
  }
}
