package io.dockmaster.admission;

import static io.dockmaster.admission.AdmissionRequests.create;
import static io.dockmaster.admission.AdmissionRequests.request;
import static io.dockmaster.admission.AdmissionRequests.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.admission.PodSpecLocator.LocatedPodSpec;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EphemeralContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodSpecLocatorTest {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private final PodSpecLocator locator = new PodSpecLocator(SERIALIZATION);

  static Stream<Arguments> kinds() {
    PodSpec spec = spec("registry.example.com/app:1");
    return Stream.of(
        Arguments.of(new PodBuilder().withMetadata(meta()).withSpec(spec).build(), "spec"),
        Arguments.of(
            new DeploymentBuilder()
                .withMetadata(meta())
                .withNewSpec()
                .withNewTemplate()
                .withSpec(spec)
                .endTemplate()
                .endSpec()
                .build(),
            "spec.template.spec"),
        Arguments.of(
            new StatefulSetBuilder()
                .withMetadata(meta())
                .withNewSpec()
                .withNewTemplate()
                .withSpec(spec)
                .endTemplate()
                .endSpec()
                .build(),
            "spec.template.spec"),
        Arguments.of(
            new DaemonSetBuilder()
                .withMetadata(meta())
                .withNewSpec()
                .withNewTemplate()
                .withSpec(spec)
                .endTemplate()
                .endSpec()
                .build(),
            "spec.template.spec"),
        Arguments.of(
            new ReplicaSetBuilder()
                .withMetadata(meta())
                .withNewSpec()
                .withNewTemplate()
                .withSpec(spec)
                .endTemplate()
                .endSpec()
                .build(),
            "spec.template.spec"),
        Arguments.of(
            new ReplicationControllerBuilder()
                .withMetadata(meta())
                .withNewSpec()
                .withNewTemplate()
                .withSpec(spec)
                .endTemplate()
                .endSpec()
                .build(),
            "spec.template.spec"),
        Arguments.of(
            new JobBuilder()
                .withMetadata(meta())
                .withNewSpec()
                .withNewTemplate()
                .withSpec(spec)
                .endTemplate()
                .endSpec()
                .build(),
            "spec.template.spec"),
        Arguments.of(
            new CronJobBuilder()
                .withMetadata(meta())
                .withNewSpec()
                .withSchedule("@hourly")
                .withNewJobTemplate()
                .withNewSpec()
                .withNewTemplate()
                .withSpec(spec)
                .endTemplate()
                .endSpec()
                .endJobTemplate()
                .endSpec()
                .build(),
            "spec.jobTemplate.spec.template.spec"));
  }

  @ParameterizedTest(name = "[{index}] pod spec at {1}")
  @MethodSource("kinds")
  void findsThePodSpecOfEveryKindAtItsPath(HasMetadata object, String specPath) {
    for (String operation : new String[] {"CREATE", "UPDATE"}) {
      LocatedPodSpec located = locator.locate(request(operation, object, null)).orElseThrow();

      assertThat(located.kind()).isEqualTo(object.getKind());
      assertThat(located.name()).isEqualTo("web");
      assertThat(located.specPath()).isEqualTo(specPath);
      assertThat(located.spec().getContainers().get(0).getImage())
          .isEqualTo("registry.example.com/app:1");
      assertThat(located.ephemeralOnly()).isFalse();
    }
  }

  @ParameterizedTest(name = "[{index}] pod spec at {1}")
  @MethodSource("kinds")
  void readsTheObjectAsTheApiServerSendsItUntyped(HasMetadata object, String specPath) {
    AdmissionRequest request = create(object);
    request.setObject(SERIALIZATION.convertValue(object, Map.class));

    assertThat(locator.locate(request).orElseThrow().specPath()).isEqualTo(specPath);
  }

  @Test
  void ephemeralContainersSubresourceIsJudgedAsEphemeralOnly() {
    Pod pod = new PodBuilder().withMetadata(meta()).withSpec(spec("nginx:1.27")).build();
    pod.getSpec()
        .getEphemeralContainers()
        .add(new EphemeralContainerBuilder().withName("debugger").withImage("busybox").build());

    LocatedPodSpec located =
        locator.locate(request("UPDATE", pod, PodSpecLocator.EPHEMERAL_CONTAINERS)).orElseThrow();

    assertThat(located.ephemeralOnly()).isTrue();
    assertThat(located.specPath()).isEqualTo("spec");
    assertThat(located.spec().getEphemeralContainers())
        .extracting(c -> c.getImage())
        .containsExactly("busybox");
  }

  @Test
  void anUpdateThatLeavesThePodSpecAloneAdmitsNothingNew() {
    Pod before =
        new PodBuilder().withMetadata(meta()).withSpec(spec("registry.example.com/app:1")).build();
    Pod relabelled =
        new PodBuilder(before)
            .editMetadata()
            .addToLabels("team", "payments")
            .addToFinalizers("example.com/cleanup")
            .endMetadata()
            .build();
    Pod newImage =
        new PodBuilder(before)
            .editSpec()
            .editFirstContainer()
            .withImage("registry.example.com/app:2")
            .endContainer()
            .endSpec()
            .build();

    assertThat(locator.locate(AdmissionRequests.update(before, relabelled))).isEmpty();
    assertThat(locator.locate(AdmissionRequests.update(before, newImage)).orElseThrow().spec())
        .isEqualTo(newImage.getSpec());
  }

  @Test
  void otherSubresourcesHaveNoPodSpecToJudge() {
    Pod pod = new PodBuilder().withMetadata(meta()).withSpec(spec("nginx")).build();

    assertThat(locator.locate(request("UPDATE", pod, "status"))).isEmpty();
    assertThat(locator.locate(request("CREATE", pod, "binding"))).isEmpty();
  }

  @Test
  void deleteAndConnectPassWithoutASpec() {
    Pod pod = new PodBuilder().withMetadata(meta()).withSpec(spec("bad")).build();

    assertThat(locator.locate(request("DELETE", pod, null))).isEmpty();
    assertThat(locator.locate(request("CONNECT", pod, "exec"))).isEmpty();
  }

  @Test
  void kindsWithoutPodsPass() {
    assertThat(
            locator.locate(
                create(new ConfigMapBuilder().withMetadata(meta()).addToData("a", "b").build())))
        .isEmpty();
  }

  @Test
  void sameKindInAnotherGroupPasses() {
    AdmissionRequest request =
        create(new PodBuilder().withMetadata(meta()).withSpec(spec("bad")).build());
    request.getKind().setGroup("example.com");

    assertThat(locator.locate(request)).isEmpty();
  }

  @Test
  void generateNameStandsInForAMissingName() {
    Pod pod =
        new PodBuilder()
            .withMetadata(
                new ObjectMetaBuilder().withNamespace("team").withGenerateName("web-").build())
            .withSpec(spec("nginx"))
            .build();

    assertThat(locator.locate(create(pod)).orElseThrow().name()).isEqualTo("web-");
  }

  @Test
  void aWorkloadWithoutItsPodSpecCannotBeReviewed() {
    AdmissionRequest request =
        create(new DeploymentBuilder().withMetadata(meta()).withNewSpec().endSpec().build());

    assertThatThrownBy(() -> locator.locate(request))
        .isInstanceOf(UnreviewableRequestException.class)
        .hasMessage("the Deployment has no pod spec at spec.template.spec");
  }

  private static ObjectMeta meta() {
    return new ObjectMetaBuilder().withNamespace("team").withName("web").build();
  }
}
