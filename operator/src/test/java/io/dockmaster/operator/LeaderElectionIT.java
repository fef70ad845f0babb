package io.dockmaster.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.testing.Crds;
import io.dockmaster.testing.OperatorNamespace;
import io.dockmaster.testing.SpecPatch;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two operator replicas on one API server: only the Lease holder reconciles, and it hands over. */
@EnableKubeAPIServer
class LeaderElectionIT {

  static KubernetesClient client;

  @Test
  void followerTakesOverWhenTheLeaderStops() {
    Crds.install(client);
    client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("dockmaster").endMetadata().build())
        .create();
    OperatorNamespace.ensure(client);
    DockmasterOperator first = DockmasterOperator.start(client, settings("replica-a"));
    DockmasterOperator second = null;
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> "replica-a".equals(holder()));
      second = DockmasterOperator.start(client, settings("replica-b"));
      DockmasterOperator follower = second;

      client.resource(policy("handover", "registry.example.com/a/**")).create();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(observedGeneration("handover")).isEqualTo(1L));
      String uid =
          client.resources(ImagePolicy.class).withName("handover").get().getMetadata().getUid();
      // Only the leader writes status, but every replica must enforce: admission runs on all.
      await()
          .untilAsserted(
              () -> {
                assertThat(first.policies().inForce("handover", uid)).isPresent();
                assertThat(follower.policies().inForce("handover", uid)).isPresent();
              });
      assertThat(holder()).isEqualTo("replica-a");

      first.close();
      await().atMost(Duration.ofSeconds(30)).until(() -> "replica-b".equals(holder()));

      // A patch without a resourceVersion: the new leader's first reconcile may write status at
      // any moment.
      SpecPatch.patchSpec(
          client,
          ImagePolicy.class,
          "handover",
          ImagePolicy::getSpec,
          spec -> spec.setImages(List.of("registry.example.com/b/**")));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(observedGeneration("handover")).isEqualTo(2L));
      assertThat(second.policies().inForce("handover", uid).orElseThrow().generation())
          .isEqualTo(2L);
    } finally {
      first.close();
      if (second != null) {
        second.close();
      }
    }
  }

  private static String holder() {
    Lease lease = client.leases().inNamespace("dockmaster").withName("dockmaster-operator").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static Long observedGeneration(String name) {
    ImagePolicy policy = client.resources(ImagePolicy.class).withName(name).get();
    return policy.getStatus() == null ? null : policy.getStatus().getObservedGeneration();
  }

  private static OperatorSettings settings(String identity) {
    return OperatorSettings.local("dockmaster")
        .withLeaderElection(
            new OperatorSettings.LeaderElection(
                "dockmaster",
                "dockmaster-operator",
                identity,
                Duration.ofSeconds(4),
                Duration.ofSeconds(3),
                Duration.ofMillis(500),
                false));
  }

  private static ImagePolicy policy(String name, String image) {
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of(image));
    policy.setSpec(spec);
    return policy;
  }
}
