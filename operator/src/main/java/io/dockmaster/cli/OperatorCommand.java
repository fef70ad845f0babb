package io.dockmaster.cli;

import io.dockmaster.operator.DockmasterOperator;
import io.dockmaster.operator.OperatorSettings;
import io.dockmaster.peering.AgentCsrPolicy;
import io.dockmaster.registry.RegistrySettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
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
      names = "--agent-requester",
      split = ",",
      defaultValue = "${env:DOCKMASTER_AGENT_REQUESTERS}",
      description =
          "Users allowed to obtain node agent certificates: the agents' service account, as"
              + " system:serviceaccount:<namespace>:<name> (env DOCKMASTER_AGENT_REQUESTERS,"
              + " comma-separated; default: the dockmaster-agent service account of --namespace).")
  List<String> agentRequesters;

  @Option(
      names = "--agent-node-binding",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Issue an agent certificate for node N only to a token bound to node N (Kubernetes"
              + " 1.30+ service-account tokens carry it). Turn off only for clusters whose tokens"
              + " do not (default: ${DEFAULT-VALUE}).")
  boolean agentNodeBinding;

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
            Duration.ofMinutes(10),
            agentPolicy());
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
                  LogManager.shutdown();
                },
                "shutdown"));
    closed.await();
    return 0;
  }

  private AgentCsrPolicy agentPolicy() {
    List<String> requesters =
        agentRequesters == null || agentRequesters.stream().allMatch(String::isBlank)
            ? List.of(AgentCsrPolicy.serviceAccountUser(namespace, "dockmaster-agent"))
            : agentRequesters.stream().filter(r -> !r.isBlank()).map(String::trim).toList();
    AgentCsrPolicy policy = AgentCsrPolicy.of(requesters);
    return agentNodeBinding ? policy : policy.withoutNodeBinding();
  }

  private String identity() {
    if (leaderElectionIdentity != null && !leaderElectionIdentity.isBlank()) {
      return leaderElectionIdentity;
    }
    String host = System.getenv().getOrDefault("HOSTNAME", "dockmaster");
    return host + "-" + ProcessHandle.current().pid();
  }
}
