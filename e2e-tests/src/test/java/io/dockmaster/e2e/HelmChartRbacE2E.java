package io.dockmaster.e2e;

import static io.dockmaster.e2e.HelmRelease.JSON;
import static io.dockmaster.e2e.HelmRelease.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.dockmaster.control.AgentLease;
import io.dockmaster.distribution.AgentDirectory;
import io.dockmaster.peering.AgentCertificateAuthority;
import io.dockmaster.peering.AgentCertificateRequester;
import io.dockmaster.peering.AgentCsrPolicy;
import io.dockmaster.peering.AgentCsrSigner;
import io.dockmaster.peering.CertificateRequestException;
import io.dockmaster.peering.PeerIdentity;
import io.dockmaster.peering.PeerName;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator's and the agent's own API code (agent CA, certificate signing requests, Leases, the
 * agent directory) against a real install of the chart in {@code helm/dockmaster} on the dev
 * control plane, run impersonating the chart's ServiceAccounts: the chart's RBAC and Lease policy
 * are enough for what the code does, and refuse what an agent on another node would try.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartRbacE2E {

  // A release of its own for the agent code: webhook off, since one cluster holds one "dockmaster"
  // webhook configuration and HelmChartInstallE2E owns it.
  private final HelmRelease helmRelease =
      HelmRelease.fresh(DevCluster.fromEnvFile(), "dockmaster-agents");
  private final String agentsNamespace = helmRelease.namespace();
  private final String agentsRelease = helmRelease.release();
  private final Path chart = helmRelease.chart();
  private final String helm = helmRelease.helm();
  private final Commands commands = helmRelease.commands();

  @BeforeAll
  void setUp() {
    commands
        .run("kubectl", "create", "namespace", agentsNamespace)
        .orFail("kubectl create namespace");
  }

  @AfterAll
  void tearDown() {
    // The dev cluster outlives this run: leave nothing behind, passed or failed.
    commands.run(helm, "uninstall", agentsRelease, "--namespace", agentsNamespace, "--wait");
    commands.run("kubectl", "delete", "namespace", agentsNamespace, "--wait=false");
  }

  /**
   * The operator's and the agent's own API code (CA, certificate signing requests, Leases, the
   * agent directory), run as the chart's ServiceAccounts: the RBAC and the Lease policy are enough
   * for what the code does, and refuse what an agent on another node would try.
   */
  @Test
  void theAgentAndOperatorCodeWorkWithTheChartsRbacAndNothingMore() throws Exception {
    commands
        .run(
            helm,
            "install",
            agentsRelease,
            chart.toString(),
            "--namespace",
            agentsNamespace,
            "--set",
            "webhook.mode=off",
            "--set",
            "replicaCount=1")
        .orFail("helm install");
    String ns = agentsNamespace;
    String requester =
        strings(
                JSON.readValue(
                    commands
                        .run(
                            "kubectl",
                            "get",
                            "deployment",
                            agentsRelease,
                            "-n",
                            ns,
                            "-o",
                            "jsonpath={.spec.template.spec.containers[0].args}")
                        .orFail("kubectl get deployment")
                        .stdout(),
                    List.class))
            .stream()
            .filter(a -> a.startsWith("--agent-requester="))
            .map(a -> a.substring("--agent-requester=".length()))
            .findFirst()
            .orElseThrow();
    String agentUser = "system:serviceaccount:" + ns + ":" + agentsRelease + "-agent";
    assertThat(requester).isEqualTo(agentUser);
    String node = "node-of-" + agentsRelease;
    try (KubernetesClient admin =
            new KubernetesClientBuilder().withConfig(helmRelease.kubeconfig()).build();
        KubernetesClient operator =
            helmRelease.impersonating(
                "system:serviceaccount:" + ns + ":" + agentsRelease, Map.of());
        KubernetesClient agent =
            helmRelease.impersonating(
                agentUser, Map.of("authentication.kubernetes.io/node-name", List.of(node)))) {
      try {
        AgentCertificateAuthority ca = AgentCertificateAuthority.loadOrCreate(operator, ns);
        assertThat(AgentCertificateAuthority.loadOrCreate(operator, ns).certificate())
            .as("a restarted operator reads the CA back and publishes it again")
            .isEqualTo(ca.certificate());
        assertThat(AgentCertificateAuthority.publishedCertificate(agent, ns))
            .isEqualTo(ca.certificate());
        assertThat(
                catchThrowableOfType(
                        KubernetesClientException.class,
                        () ->
                            agent
                                .secrets()
                                .inNamespace(ns)
                                .withName(AgentCertificateAuthority.NAME)
                                .get())
                    .getCode())
            .as("the agent cannot read the CA key")
            .isEqualTo(403);

        try (AgentCsrSigner signer =
            new AgentCsrSigner(
                operator, ns, ca, AgentCsrPolicy.of(List.of(requester)), Clock.systemUTC())) {
          signer.start();
          PeerIdentity identity = requestCertificate(agent, ns, node);
          assertThat(identity.name()).isEqualTo(PeerName.agent(node));
          identity.leaf().verify(ca.certificate().getPublicKey());
          assertThat(
                  catchThrowableOfType(
                      CertificateRequestException.class,
                      () -> requestCertificate(agent, ns, "other-" + node)))
              .hasMessageContaining("was denied")
              .hasMessageContaining("runs on node " + node);
        }

        applyLease(agent, ns, node);
        try (AgentDirectory directory = new AgentDirectory(operator, ns, Clock.systemUTC())) {
          await()
              .atMost(Duration.ofSeconds(20))
              .untilAsserted(
                  () ->
                      assertThat(directory.live(Optional.empty()))
                          .extracting(AgentLease::node)
                          .containsExactly(node));
          assertThat(
                  directory.live(
                      Optional.of(
                          new LabelSelectorBuilder()
                              .addToMatchLabels("kubernetes.io/os", "linux")
                              .build())))
              .as("listing Nodes is allowed, and none is the test agent's")
              .isEmpty();
        }
        // The API server enforces a ValidatingAdmissionPolicy once its informers have seen the
        // policy and its binding, a moment after the install: a write just before is let through.
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  KubernetesClientException otherLease =
                      catchThrowableOfType(
                          KubernetesClientException.class,
                          () -> applyLease(agent, ns, "other-" + node));
                  assertThat(otherLease).as("writing another node's Lease").isNotNull();
                  assertThat(otherLease.getCode()).isEqualTo(403);
                  assertThat(otherLease)
                      .hasMessageContaining("may write only Lease " + AgentLease.leaseName(node));
                });
        KubernetesClientException leaderLease =
            catchThrowableOfType(
                KubernetesClientException.class,
                () ->
                    agent
                        .leases()
                        .inNamespace(ns)
                        .resource(
                            new LeaseBuilder()
                                .withNewMetadata()
                                .withName("dockmaster-operator")
                                .endMetadata()
                                .withNewSpec()
                                .withHolderIdentity(node)
                                .endSpec()
                                .build())
                        .fieldManager("dockmaster-agent")
                        .serverSideApply());
        assertThat(leaderLease.getCode())
            .as("an agent cannot take the operator's leader-election Lease")
            .isEqualTo(403);
        agent.leases().inNamespace(ns).withName(AgentLease.leaseName(node)).delete();
        assertThat(admin.leases().inNamespace(ns).withName(AgentLease.leaseName(node)).get())
            .isNull();
      } finally {
        // CertificateSigningRequests are cluster-scoped: remove this run's.
        admin.certificates().v1().certificateSigningRequests().list().getItems().stream()
            .filter(csr -> agentUser.equals(csr.getSpec().getUsername()))
            .forEach(csr -> admin.resource(csr).delete());
      }
    }
    commands
        .run(helm, "uninstall", agentsRelease, "--namespace", ns, "--wait")
        .orFail("helm uninstall");
  }

  /**
   * What the agent does at start-up: a request for this install's signer
   * (agents.dockmaster.io/&lt;namespace&gt;), which no other install on the cluster answers.
   */
  private static PeerIdentity requestCertificate(KubernetesClient agent, String ns, String node)
      throws CertificateRequestException {
    try {
      return new AgentCertificateRequester(
              agent, ns, node, Duration.ofHours(1), Duration.ofMinutes(1))
          .request();
    } catch (CertificateRequestException e) {
      if (e.getMessage().contains("requested by user")) {
        throw new AssertionError(
            "another Dockmaster operator on this cluster refused the request before the one under"
                + " test could sign it; run this test when no other operator runs: "
                + e.getMessage(),
            e);
      }
      throw e;
    }
  }

  /** What the agent's AgentRegistration does: server-side apply of its Lease. */
  private static void applyLease(KubernetesClient client, String ns, String node) {
    client
        .leases()
        .inNamespace(ns)
        .resource(
            new AgentLease(
                    node,
                    "https://192.0.2.10:30020",
                    "linux/amd64",
                    0,
                    0,
                    Instant.now(),
                    Instant.now(),
                    30)
                .toLease(ns))
        .fieldManager("dockmaster-agent")
        .forceConflicts()
        .serverSideApply();
  }
}
