package io.dockmaster.e2e;

import static io.dockmaster.e2e.HelmRelease.JSON;
import static io.dockmaster.e2e.HelmRelease.NON_DEFAULT;
import static io.dockmaster.e2e.HelmRelease.YAML;
import static io.dockmaster.e2e.HelmRelease.at;
import static io.dockmaster.e2e.HelmRelease.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.dockmaster.admission.WebhookTarget;
import io.dockmaster.pki.Pem;
import io.dockmaster.webhooktls.ManagedWebhookTls;
import io.dockmaster.webhooktls.RotationSettings;
import io.dockmaster.webhooktls.TrustPublisher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Helm chart in {@code helm/dockmaster} against the dev control plane, with the real {@code
 * helm}: a server-side dry run of the rendered objects, and a real install, upgrade and uninstall.
 * No kubelet runs in the dev cluster, so the operator and agent pods stay Pending; the RBAC is
 * checked with {@code kubectl auth can-i} and SubjectAccessReviews as the chart's ServiceAccounts
 * instead, and the operator's webhook certificate code runs impersonating its ServiceAccount. This
 * release owns the cluster's one "dockmaster" webhook configuration.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartInstallE2E {

  private final HelmRelease helmRelease = HelmRelease.fresh(DevCluster.fromEnvFile(), "dockmaster");
  private final String namespace = helmRelease.namespace();
  private final String release = helmRelease.release();
  private final Path chart = helmRelease.chart();
  private final String helm = helmRelease.helm();
  private final Commands commands = helmRelease.commands();

  @BeforeAll
  void setUp() {
    commands.run("kubectl", "create", "namespace", namespace).orFail("kubectl create namespace");
  }

  @AfterAll
  void tearDown() {
    // The dev cluster outlives this run: leave nothing behind, passed or failed.
    commands.run(helm, "uninstall", release, "--namespace", namespace, "--wait");
    commands.run("kubectl", "delete", "namespace", namespace, "--wait=false");
  }

  @Test
  void serverAcceptsTheRenderedObjects() throws Exception {
    String rendered = helmRelease.template().orFail("helm template").stdout();
    commands
        .runWithInput(rendered, "kubectl", "apply", "--dry-run=server", "-f", "-")
        .orFail("kubectl apply --dry-run=server (default values)");
    // cert-manager and Prometheus Operator are not installed on the dev cluster: their objects
    // are left out, everything else must be accepted as rendered.
    StringBuilder others = new StringBuilder();
    for (Map<String, Object> object : helmRelease.render(NON_DEFAULT)) {
      if (!String.valueOf(object.get("apiVersion"))
          .matches("(cert-manager\\.io|monitoring\\.coreos\\.com)/.*")) {
        others.append("---\n").append(YAML.writeValueAsString(object));
      }
    }
    commands
        .runWithInput(others.toString(), "kubectl", "apply", "--dry-run=server", "-f", "-")
        .orFail("kubectl apply --dry-run=server (non-default values)");
    commands
        .runWithInput(
            helmRelease
                .template(
                    "--set", "agent.runtimeMirror.enabled=true",
                    "--set", "agent.cache.hostPath=/var/lib/dockmaster/cache",
                    "--set", "agent.nodeBinding=false")
                .orFail("helm template")
                .stdout(),
            "kubectl",
            "apply",
            "--dry-run=server",
            "-f",
            "-")
        .orFail("kubectl apply --dry-run=server (root agent, no node binding)");
  }

  @Test
  void installsUpgradesAndUninstalls() throws Exception {
    assertThat(
            commands
                .run("kubectl", "get", "validatingwebhookconfiguration", "dockmaster")
                .exitCode())
        .as(
            "a ValidatingWebhookConfiguration named dockmaster is left from another run;"
                + " the chart cannot own it")
        .isNotZero();
    commands
        .run(helm, "install", release, chart.toString(), "--namespace", namespace)
        .orFail("helm install");
    Map<String, Object> status =
        JSON.readValue(
            commands
                .run(helm, "status", release, "--namespace", namespace, "-o", "json")
                .orFail("helm status")
                .stdout(),
            Map.class);
    assertThat(at(status, "info", "status")).isEqualTo("deployed");
    String listed =
        commands
            .run(
                "kubectl",
                "get",
                "deployment,daemonset,service,serviceaccount,secret,role,rolebinding,pdb,netpol",
                "--namespace",
                namespace,
                "-o",
                "name")
            .orFail("kubectl get")
            .stdout();
    assertThat(listed)
        .contains(
            "deployment.apps/" + release,
            "service/" + release + "-webhook",
            "service/" + release + "-metrics",
            "serviceaccount/" + release,
            "secret/" + release + "-webhook-tls",
            "role.rbac.authorization.k8s.io/" + release + "-leader-election",
            "role.rbac.authorization.k8s.io/" + release + "-operator",
            "poddisruptionbudget.policy/" + release,
            "networkpolicy.networking.k8s.io/" + release + "-operator",
            "daemonset.apps/" + release + "-agent",
            "serviceaccount/" + release + "-agent",
            "role.rbac.authorization.k8s.io/" + release + "-agent");
    commands
        .run(
            "kubectl",
            "get",
            "clusterrole/" + release + "-operator",
            "clusterrole/" + release + "-agent",
            "validatingadmissionpolicy/" + release + "-agent-leases",
            "validatingwebhookconfiguration/dockmaster")
        .orFail("cluster-scoped objects");

    String serviceAccount = "system:serviceaccount:" + namespace + ":" + release;
    assertThat(canI(serviceAccount, "patch", "validatingwebhookconfigurations/dockmaster"))
        .isTrue();
    assertThat(canI(serviceAccount, "patch", "validatingwebhookconfigurations/someone-else"))
        .isFalse();
    assertThat(canI(serviceAccount, "get", "secrets", "--namespace", "default")).isTrue();
    assertThat(canI(serviceAccount, "list", "secrets", "--all-namespaces")).isFalse();
    assertThat(canI(serviceAccount, "patch", "imagepolicies.dockmaster.io", "--subresource=status"))
        .isTrue();
    assertThat(canI(serviceAccount, "delete", "imagepolicies.dockmaster.io")).isFalse();
    assertThat(canI(serviceAccount, "list", "cronjobs.batch", "--all-namespaces")).isTrue();
    assertThat(canI(serviceAccount, "create", "pods", "--namespace", namespace)).isFalse();
    assertThat(
            canI(
                serviceAccount,
                "update",
                "leases.coordination.k8s.io/dockmaster-operator",
                "--namespace",
                namespace))
        .isTrue();
    assertThat(
            canI(
                serviceAccount,
                "update",
                "leases.coordination.k8s.io/dockmaster-operator",
                "--namespace",
                "kube-system"))
        .isFalse();
    // P2P distribution: sign for our signer only, keep the agent CA in the release namespace.
    assertThat(signerAllowed(serviceAccount, "sign", "agents.dockmaster.io/" + namespace)).isTrue();
    assertThat(signerAllowed(serviceAccount, "approve", "agents.dockmaster.io/" + namespace))
        .isTrue();
    assertThat(signerAllowed(serviceAccount, "sign", "kubernetes.io/kube-apiserver-client"))
        .isFalse();
    assertThat(signerAllowed(serviceAccount, "approve", "kubernetes.io/kube-apiserver-client"))
        .isFalse();
    assertThat(canI(serviceAccount, "create", "secrets", "--namespace", namespace)).isTrue();
    assertThat(canI(serviceAccount, "create", "secrets", "--namespace", "default")).isFalse();
    assertThat(canI(serviceAccount, "delete", "secrets/dockmaster-agent-ca", "-n", namespace))
        .isFalse();
    assertThat(canI(serviceAccount, "watch", "leases.coordination.k8s.io", "-n", namespace))
        .isTrue();
    assertThat(canI(serviceAccount, "list", "nodes")).isTrue();

    String agent = "system:serviceaccount:" + namespace + ":" + release + "-agent";
    assertThat(canI(agent, "create", "certificatesigningrequests.certificates.k8s.io")).isTrue();
    assertThat(canI(agent, "watch", "certificatesigningrequests.certificates.k8s.io")).isTrue();
    assertThat(
            canI(
                agent,
                "update",
                "certificatesigningrequests.certificates.k8s.io",
                "--subresource=approval"))
        .isFalse();
    assertThat(signerAllowed(agent, "approve", "agents.dockmaster.io/" + namespace)).isFalse();
    assertThat(signerAllowed(agent, "sign", "agents.dockmaster.io/" + namespace)).isFalse();
    assertThat(canI(agent, "get", "secrets/dockmaster-agent-ca", "--namespace", namespace))
        .isFalse();
    assertThat(canI(agent, "get", "secrets", "--namespace", "default")).isFalse();
    assertThat(canI(agent, "list", "pods", "--all-namespaces")).isFalse();
    assertThat(canI(agent, "get", "configmaps/dockmaster-agent-ca", "--namespace", namespace))
        .isTrue();
    assertThat(canI(agent, "get", "configmaps/other", "--namespace", namespace)).isFalse();
    assertThat(canI(agent, "create", "leases.coordination.k8s.io", "--namespace", namespace))
        .isTrue();
    assertThat(canI(agent, "create", "leases.coordination.k8s.io", "--namespace", "default"))
        .isFalse();
    assertThat(canI(agent, "list", "imagemirrors.dockmaster.io")).isFalse();

    // The operator's certificate code, as the chart's ServiceAccount: it fills the Secret the
    // chart created empty, watches it by name and renews it; nothing else.
    String webhookSecret = release + "-webhook-tls";
    assertThat(canI(serviceAccount, "update", "secrets/" + webhookSecret, "-n", namespace))
        .isTrue();
    assertThat(canI(serviceAccount, "update", "secrets/other", "-n", namespace)).isFalse();
    assertThat(canI(serviceAccount, "delete", "secrets/" + webhookSecret, "-n", namespace))
        .isFalse();
    runTheOperatorsCertificateCode(serviceAccount, webhookSecret);

    // helm upgrade leaves what the operator wrote alone: the chart renders the Secret without data.
    String caBefore = secretField(release + "-webhook-tls", "ca\\.crt");
    assertThat(caBefore).isNotEmpty();
    commands
        .run(
            helm,
            "upgrade",
            release,
            chart.toString(),
            "--namespace",
            namespace,
            "--reuse-values",
            "--set",
            "replicaCount=3")
        .orFail("helm upgrade");
    assertThat(secretField(release + "-webhook-tls", "ca\\.crt")).isEqualTo(caBefore);
    assertThat(
            commands
                .run(
                    "kubectl",
                    "get",
                    "deployment",
                    release,
                    "--namespace",
                    namespace,
                    "-o",
                    "jsonpath={.spec.replicas}")
                .orFail("kubectl get deployment")
                .stdout())
        .isEqualTo("3");

    commands
        .run(helm, "uninstall", release, "--namespace", namespace, "--wait")
        .orFail("helm uninstall");
    assertThat(
            commands
                .run("kubectl", "get", "validatingwebhookconfiguration", "dockmaster")
                .exitCode())
        .as("uninstall removes the fail-closed webhook configuration with the operator")
        .isNotZero();
    assertThat(commands.run("kubectl", "get", "clusterrole", release + "-operator").exitCode())
        .isNotZero();
    assertThat(
            commands
                .run("kubectl", "get", "validatingadmissionpolicy", release + "-agent-leases")
                .exitCode())
        .isNotZero();
  }

  private void runTheOperatorsCertificateCode(String serviceAccount, String secretName)
      throws Exception {
    List<String> names = new WebhookTarget.Service(namespace, release + "-webhook", 443).dnsNames();
    List<BigInteger> served = new CopyOnWriteArrayList<>();
    AtomicReference<String> published = new AtomicReference<>("");
    TrustPublisher publisher =
        new TrustPublisher() {
          // The real configuration would send every pod of the shared dev cluster to a webhook
          // no pod serves here; its RBAC is checked with can-i above.
          @Override
          public Published read() {
            return new Published(published.get(), "1");
          }

          @Override
          public boolean publish(String bundlePem, Published basedOn) {
            published.set(bundlePem);
            return true;
          }
        };
    try (KubernetesClient operator = helmRelease.impersonating(serviceAccount, Map.of());
        ManagedWebhookTls tls =
            ManagedWebhookTls.bootstrap(
                operator,
                namespace,
                secretName,
                new RotationSettings(
                    Duration.ofMinutes(10), Duration.ofSeconds(3), Duration.ofSeconds(1)),
                names,
                publisher,
                Clock.systemUTC())) {
      tls.start(
          (chain, key) ->
              served.add(Pem.readCertificates(chain, "tls.crt").get(0).getSerialNumber()));
      // A serving certificate for three seconds is renewed after two: written by name.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(served).isNotEmpty());
      assertThat(published.get())
          .isEqualTo(
              new String(
                  Base64.getDecoder().decode(secretField(secretName, "ca\\.crt")),
                  java.nio.charset.StandardCharsets.US_ASCII));
      assertThat(
              operator
                  .secrets()
                  .inNamespace(namespace)
                  .withField("metadata.name", secretName)
                  .list()
                  .getItems())
          .as("a list by name, as the informer makes")
          .hasSize(1);
      assertThat(
              catchThrowableOfType(
                      KubernetesClientException.class,
                      () -> operator.secrets().inNamespace(namespace).list())
                  .getCode())
          .as("but no list of every Secret")
          .isEqualTo(403);
    }
    // Without those rights the operator says which it lacks, instead of retrying forever.
    try (KubernetesClient agent =
        helmRelease.impersonating(
            "system:serviceaccount:" + namespace + ":" + release + "-agent", Map.of())) {
      assertThatThrownBy(
              () ->
                  ManagedWebhookTls.bootstrap(
                      agent,
                      namespace,
                      secretName,
                      RotationSettings.defaults(),
                      names,
                      publisher,
                      Clock.systemUTC()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("may not use Secret " + namespace + "/" + secretName)
          .hasMessageContaining("get, list, watch and update on it by name");
    }
  }

  /**
   * Whether {@code user} may {@code verb} (approve, sign) for a CSR signer. A SubjectAccessReview,
   * since {@code kubectl auth can-i} cannot name a signer: its name has a slash.
   */
  private boolean signerAllowed(String user, String verb, String signer) throws IOException {
    Map<String, Object> review =
        Map.of(
            "apiVersion",
            "authorization.k8s.io/v1",
            "kind",
            "SubjectAccessReview",
            "spec",
            Map.of(
                "user",
                user,
                "resourceAttributes",
                Map.of(
                    "group",
                    "certificates.k8s.io",
                    "resource",
                    "signers",
                    "name",
                    signer,
                    "verb",
                    verb)));
    String answer =
        commands
            .runWithInput(
                JSON.writeValueAsString(review), "kubectl", "create", "-f", "-", "-o", "json")
            .orFail("SubjectAccessReview")
            .stdout();
    return Boolean.TRUE.equals(at(JSON.readValue(answer, Map.class), "status", "allowed"));
  }

  private boolean canI(String user, String verb, String resource, String... more) {
    Commands.Result result =
        commands.run(
            concat(new String[] {"kubectl", "auth", "can-i", verb, resource, "--as", user}, more));
    String answer = result.stdout().trim();
    assertThat(answer)
        .as("kubectl auth can-i %s %s: %s", verb, resource, result.stderr())
        .isIn("yes", "no");
    return answer.equals("yes");
  }

  private String secretField(String name, String key) {
    return commands
        .run(
            "kubectl",
            "get",
            "secret",
            name,
            "--namespace",
            namespace,
            "-o",
            "jsonpath={.data." + key + "}")
        .orFail("kubectl get secret")
        .stdout();
  }
}
