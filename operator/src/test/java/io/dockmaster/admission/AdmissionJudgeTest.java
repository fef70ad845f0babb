package io.dockmaster.admission;

import static io.dockmaster.admission.AdmissionRequests.create;
import static io.dockmaster.admission.AdmissionRequests.request;
import static io.dockmaster.admission.AdmissionRequests.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.policy.PodUnderReview;
import io.fabric8.kubernetes.api.model.EphemeralContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionJudgeTest {

  private final ImageNamePodReviewer reviewer = new ImageNamePodReviewer();
  private final AdmissionJudge judge =
      new AdmissionJudge(
          new PodSpecLocator(new KubernetesSerialization()),
          new InMemoryNamespaceLabels().with("team", Map.of("env", "prod")),
          reviewer,
          new AnswerBuilder());

  @Test
  void handsTheReviewerThePodSpecWithItsNamespaceLabelsAndPullSecrets() {
    PodSpec spec = spec("registry.example.com/app:1");
    spec.getImagePullSecrets()
        .add(new io.fabric8.kubernetes.api.model.LocalObjectReference("regcred"));

    AdmissionAnswer answer =
        judge.judge(
            create(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withNamespace("team")
                    .withName("web")
                    .endMetadata()
                    .withNewSpec()
                    .withNewTemplate()
                    .withSpec(spec)
                    .endTemplate()
                    .endSpec()
                    .build()));

    assertThat(answer.verdict()).isEqualTo(Verdict.ALLOWED);
    PodUnderReview pod = reviewer.reviewed.get(0);
    assertThat(pod.namespace()).isEqualTo("team");
    assertThat(pod.namespaceLabels())
        .containsEntry("env", "prod")
        .containsEntry(NamespaceLabels.NAME_LABEL, "team");
    assertThat(pod.kind()).isEqualTo("Deployment");
    assertThat(pod.name()).isEqualTo("web");
    assertThat(pod.specPath()).isEqualTo("spec.template.spec");
    assertThat(pod.ephemeralOnly()).isFalse();
    assertThat(pod.pullSecrets()).containsExactly("regcred");
  }

  @Test
  void deniesACronJobWithTheFieldPathThroughItsJobTemplate() {
    AdmissionAnswer answer =
        judge.judge(
            create(
                new CronJobBuilder()
                    .withNewMetadata()
                    .withNamespace("team")
                    .withName("nightly")
                    .endMetadata()
                    .withNewSpec()
                    .withSchedule("@daily")
                    .withNewJobTemplate()
                    .withNewSpec()
                    .withNewTemplate()
                    .withSpec(spec("nginx", "registry.example.com/bad:1"))
                    .endTemplate()
                    .endSpec()
                    .endJobTemplate()
                    .endSpec()
                    .build()));

    assertThat(answer.verdict()).isEqualTo(Verdict.DENIED);
    assertThat(answer.response().getStatus().getMessage())
        .startsWith("Dockmaster denied this CronJob \"nightly\": 1 image breaks")
        .contains("spec.jobTemplate.spec.template.spec.containers[1] \"c1\"");
  }

  @Test
  void ephemeralContainersAloneAreJudgedOnTheSubresource() {
    Pod pod = pod("registry.example.com/bad:1");
    pod.getSpec()
        .getEphemeralContainers()
        .add(new EphemeralContainerBuilder().withName("debug").withImage("warn/busybox").build());

    AdmissionAnswer answer =
        judge.judge(request("UPDATE", pod, PodSpecLocator.EPHEMERAL_CONTAINERS));

    assertThat(reviewer.reviewed.get(0).ephemeralOnly()).isTrue();
    assertThat(answer.verdict()).isEqualTo(Verdict.WARNED);
    assertThat(answer.response().getWarnings())
        .singleElement()
        .asString()
        .contains("spec.ephemeralContainers[0] \"debug\"");
  }

  @Test
  void deleteIsAllowedWithoutAskingTheReviewer() {
    AdmissionAnswer answer = judge.judge(request("DELETE", pod("bad"), null));

    assertThat(answer.response().getAllowed()).isTrue();
    assertThat(answer.verdict()).isEqualTo(Verdict.ALLOWED);
    assertThat(reviewer.reviewed).isEmpty();
  }

  @Test
  void aFailingReviewerDeniesWithoutLeakingJavaInternals() {
    var request = create(pod("boom"));

    AdmissionAnswer answer = judge.judge(request);

    assertThat(answer.response().getAllowed()).isFalse();
    assertThat(answer.verdict()).isEqualTo(Verdict.ERROR);
    assertThat(answer.response().getStatus().getCode()).isEqualTo(500);
    assertThat(answer.response().getStatus().getMessage())
        .isEqualTo(
            "Dockmaster denied this Pod \"p\": the image review failed unexpectedly; the operator"
                + " log has the details under request uid "
                + request.getUid())
        .doesNotContain("Exception")
        .doesNotContain("java.");
  }

  @Test
  void aWorkloadWithoutAPodSpecIsDeniedSayingSo() {
    AdmissionAnswer answer =
        judge.judge(
            create(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withNamespace("team")
                    .withName("web")
                    .endMetadata()
                    .build()));

    assertThat(answer.response().getAllowed()).isFalse();
    assertThat(answer.response().getStatus().getMessage())
        .isEqualTo(
            "Dockmaster denied this Deployment \"web\": the Deployment has no pod spec at"
                + " spec.template.spec");
  }

  private static Pod pod(String... images) {
    return Workloads.pod("team", "p", images);
  }
}
