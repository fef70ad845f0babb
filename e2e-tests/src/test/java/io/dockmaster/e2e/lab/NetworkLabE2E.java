package io.dockmaster.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network lab on this machine's kernel: namespaces that reach each other and the test JVM, a
 * forwarder to the dev kube-apiserver with TLS verified, tbf shaping that really limits, a registry
 * that counts what it serves, and nothing left behind. Needs root and the dev control plane ({@code
 * make dev-up}); without them it fails, saying what is missing.
 */
class NetworkLabE2E {

  /** A benchmark or another run may hold the lab's bridge address for a while. */
  private static final java.time.Duration LAB_WAIT = java.time.Duration.ofMinutes(20);

  private static final long MIB = 1024 * 1024;
  private static final Pattern SERVER = Pattern.compile("server: https://127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path tmp;

  @BeforeAll
  static void labCanRun() {
    NetworkLab.available().orFail();
  }

  @Test
  void hostsReachEachOtherOverTheBridge() throws IOException {
    try (NetworkLab lab = NetworkLab.createWhenFree(LAB_WAIT)) {
      LabHost a = lab.addHost("a", LinkShape.symmetricMbit(100));
      LabHost b = lab.addHost("b", LinkShape.symmetricMbit(100));
      LabRegistry onA = LabRegistry.start(a, Files.createDirectories(tmp.resolve("a")));
      LabRegistry onB = LabRegistry.start(b, Files.createDirectories(tmp.resolve("b")));

      assertThat(a.address()).isEqualTo("198.18.1.1");
      assertThat(b.address()).isEqualTo("198.18.1.2");
      assertThat(httpStatus(a, "http://" + onB.address() + "/v2/")).isEqualTo("200");
      assertThat(httpStatus(b, "http://" + onA.address() + "/v2/")).isEqualTo("200");
    }
  }

  @Test
  void aHostReachesTheDevApiServerThroughTheForwarderWithTlsVerified() throws IOException {
    Path kubeconfig = devKubeconfig();
    Matcher server = SERVER.matcher(Files.readString(kubeconfig));
    assertThat(server.find()).as("a loopback server: line in " + kubeconfig).isTrue();
    int port = Integer.parseInt(server.group(1));
    try (NetworkLab lab = NetworkLab.createWhenFree(LAB_WAIT)) {
      LabHost node = lab.addHost("node", LinkShape.symmetricMbit(100));
      TcpForwarder forwarder = lab.forwardToLoopback(port);

      LabCommand.Result viaBridge = kubectl(node, kubeconfig, NetworkLab.BRIDGE_ADDRESS, port);
      LabCommand.Result viaLoopback = kubectl(node, kubeconfig, "127.0.0.1", port);

      assertThat(viaBridge.exitCode())
          .as(
              "kubectl through the forwarder failed (a certificate error means .dev/pki predates"
                  + " the 198.18.0.1 SAN: run hack/dev-down.sh, then hack/dev-up.sh): "
                  + viaBridge.stderr())
          .isZero();
      assertThat(viaBridge.stdout().strip()).isEqualTo("namespace/default");
      assertThat(forwarder.connectionsAccepted()).isPositive();
      // The namespace's loopback is its own: the API server is reachable only through the lab.
      assertThat(viaLoopback.exitCode()).isNotZero();
    }
  }

  @Test
  void shapingIsInstalledWithTheConfiguredRates() {
    try (NetworkLab lab = NetworkLab.createWhenFree(LAB_WAIT)) {
      LabHost host = lab.addHost("shaped", LinkShape.mbit(50, 20));

      assertThat(host.installedShape()).isEqualTo(LinkShape.mbit(50, 20));

      host.reshape(new LinkShape(LinkShape.UNLIMITED, 7_000_000));
      assertThat(host.installedShape()).isEqualTo(new LinkShape(LinkShape.UNLIMITED, 7_000_000));
      assertThat(host.shape()).isEqualTo(host.installedShape());
    }
  }

  @Test
  void aShapedTransferTakesAtLeastSizeOverRateAndTheRegistryCountsItsBytes() throws IOException {
    long rate = 50_000_000;
    try (NetworkLab lab = NetworkLab.createWhenFree(LAB_WAIT)) {
      // Pushes from this JVM travel the registry's download, which stays fast.
      LabHost upstream = lab.addHost("upstream", new LinkShape(rate, LinkShape.UNLIMITED));
      LabHost client = lab.addHost("client", LinkShape.unlimited());
      LabRegistry registry = LabRegistry.start(upstream, Files.createDirectories(tmp.resolve("r")));
      RandomImage image =
          RandomImage.push(
              RandomImage.craneFromCache(),
              registry.address() + "/lab/blob:20mib",
              1,
              20 * MIB,
              42,
              tmp.resolve("image"));
      RandomImage.Layer layer = image.layers().get(0);
      registry.resetCounters();

      String[] got =
          client
              .exec(
                  "curl",
                  "-sS",
                  "-o",
                  "/dev/null",
                  "-w",
                  "%{size_download} %{time_total}",
                  "http://" + registry.address() + "/v2/lab/blob/blobs/" + layer.digest())
              .orFail()
              .stdout()
              .split(" ");
      long bytes = Long.parseLong(got[0]);
      double seconds = Double.parseDouble(got[1]);

      assertThat(bytes).isEqualTo(layer.size());
      // A full bucket lets its burst through at once; everything else waits for tokens.
      double floor = (bytes - LinkShape.burstBytes(rate)) * 8.0 / rate;
      assertThat(seconds).isGreaterThanOrEqualTo(floor);
      System.out.printf(
          "lab: %d bytes through a %d Mbit/s tbf link in %.2f s: %.1f%% of the rate%n",
          bytes, rate / 1_000_000, seconds, 100 * bytes * 8 / seconds / rate);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(registry.bytesServed(layer.digest())).isEqualTo(layer.size());
                assertThat(registry.blobRequests()).isEqualTo(Map.of(layer.digest(), 1L));
                assertThat(registry.bytesServed()).isEqualTo(layer.size());
              });
    }
  }

  @Test
  void killStopsAHostsProcessesAndCloseLeavesNothingBehind() throws IOException {
    NetworkLab lab = NetworkLab.createWhenFree(LAB_WAIT);
    LabHost host = lab.addHost("doomed", LinkShape.symmetricMbit(10));
    Process killed = host.start(List.of("sleep", "600"), Map.of(), tmp.resolve("killed.log"));
    host.kill();
    await().atMost(Duration.ofSeconds(10)).until(() -> !killed.isAlive());
    Process running = host.start(List.of("sleep", "600"), Map.of(), tmp.resolve("running.log"));

    lab.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> !running.isAlive());
    assertNothingLeftOf(lab.bridge(), host);
  }

  @Test
  void cleanupStaleRemovesTheLeftoversOfACrashedRun() throws Exception {
    Process crashed = new ProcessBuilder("true").start();
    crashed.waitFor();
    NetworkLab orphan = NetworkLab.create(crashed.pid());
    LabHost host = orphan.addHost("orphan", LinkShape.symmetricMbit(10));
    Process leftover = host.start(List.of("sleep", "600"), Map.of(), tmp.resolve("leftover.log"));

    List<String> removed = NetworkLab.cleanupStale();

    assertThat(removed).contains(host.namespace(), orphan.bridge());
    await().atMost(Duration.ofSeconds(10)).until(() -> !leftover.isAlive());
    assertNothingLeftOf(orphan.bridge(), host);
  }

  private static void assertNothingLeftOf(String bridge, LabHost host) {
    assertThat(NetworkLab.namespaces()).doesNotContain(host.namespace());
    assertThat(NetworkLab.links()).doesNotContain(bridge, host.hostInterface());
  }

  private static String httpStatus(LabHost from, String url) {
    return from.exec("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", url).orFail().stdout();
  }

  private static LabCommand.Result kubectl(
      LabHost host, Path kubeconfig, String address, int port) {
    return host.exec(
        "kubectl",
        "--kubeconfig",
        kubeconfig.toString(),
        "--server",
        "https://" + address + ":" + port,
        "--request-timeout=10s",
        "get",
        "namespace",
        "default",
        "-o",
        "name");
  }

  private static Path devKubeconfig() {
    Path root = Path.of(System.getProperty("dockmaster.root", "..")).toAbsolutePath().normalize();
    Path kubeconfig = root.resolve(".dev/kubeconfig");
    if (!Files.exists(kubeconfig)) {
      throw new IllegalStateException(
          kubeconfig + " does not exist: start the dev control plane with `make dev-up` first");
    }
    return kubeconfig;
  }
}
