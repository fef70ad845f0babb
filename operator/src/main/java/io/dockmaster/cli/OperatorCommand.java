package io.dockmaster.cli;

import io.dockmaster.operator.DockmasterOperator;
import io.dockmaster.operator.OperatorSettings;
import io.dockmaster.registry.RegistrySettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the operator: reconciles ImagePolicy and ImageMirror resources and, with"
          + " --webhook-mode, serves the admission webhook that enforces ImagePolicies.",
      "Connects with the in-cluster service account, or with $KUBECONFIG / ~/.kube/config"
          + " outside a cluster."
    })
final class OperatorCommand implements Callable<Integer> {

  @Option(
      names = "--namespace",
      defaultValue = "${env:DOCKMASTER_NAMESPACE:-dockmaster}",
      description =
          "Namespace the operator runs in; exempt from policies unless one names it"
              + " (env DOCKMASTER_NAMESPACE, default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--health-port",
      defaultValue = "${env:DOCKMASTER_HEALTH_PORT:-8080}",
      description =
          "Port for /healthz, /readyz and /metrics (env DOCKMASTER_HEALTH_PORT, default:"
              + " ${DEFAULT-VALUE}; 0 picks a free port).")
  int healthPort;

  @Option(
      names = "--bind-address",
      defaultValue = "${env:DOCKMASTER_BIND_ADDRESS:-0.0.0.0}",
      description = "Address the health port listens on (default: ${DEFAULT-VALUE}).")
  String bindAddress;

  @Option(
      names = "--leader-election-namespace",
      defaultValue = "${env:DOCKMASTER_LEADER_ELECTION_NAMESPACE}",
      description =
          "Elect a leader through a Lease in this namespace, so only one replica reconciles"
              + " (env DOCKMASTER_LEADER_ELECTION_NAMESPACE; unset: no leader election).")
  String leaderElectionNamespace;

  @Option(
      names = "--lease-name",
      defaultValue = "${env:DOCKMASTER_LEASE_NAME:-dockmaster-operator}",
      description = "Name of the leader-election Lease (default: ${DEFAULT-VALUE}).")
  String leaseName;

  @Mixin WebhookOptions webhook = new WebhookOptions();

  @Option(
      names = "--leader-election-identity",
      defaultValue = "${env:POD_NAME}",
      description =
          "This replica's name in the Lease (env POD_NAME; default: host name and process id).")
  String leaderElectionIdentity;

  @Override
  public Integer call() throws InterruptedException, java.io.IOException {
    OperatorSettings settings =
        new OperatorSettings(
            namespace,
            healthPort,
            bindAddress,
            Optional.empty(),
            webhook.toSettings(namespace),
            RegistrySettings.defaults(),
            Duration.ofSeconds(15),
            Duration.ofMinutes(10));
    if (leaderElectionNamespace != null && !leaderElectionNamespace.isBlank()) {
      settings =
          settings.withLeaderElection(
              new OperatorSettings.LeaderElection(
                  leaderElectionNamespace,
                  leaseName,
                  identity(),
                  Duration.ofSeconds(15),
                  Duration.ofSeconds(10),
                  Duration.ofSeconds(2),
                  true));
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    DockmasterOperator operator;
    try {
      operator = DockmasterOperator.start(client, settings);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    CountDownLatch closed = new CountDownLatch(1);
    // The JVM halts once shutdown hooks return, so the hook itself must finish the shutdown:
    // release the Lease, let in-flight reconciliations end, close connections.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.close();
                  client.close();
                  closed.countDown();
                },
                "shutdown"));
    closed.await();
    return 0;
  }

  private String identity() {
    if (leaderElectionIdentity != null && !leaderElectionIdentity.isBlank()) {
      return leaderElectionIdentity;
    }
    String host = System.getenv().getOrDefault("HOSTNAME", "dockmaster");
    return host + "-" + ProcessHandle.current().pid();
  }
}
