package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The container image {@code mvn -Pimage package} (make image) writes as an OCI tarball, treated as
 * a cluster would: pushed to the dev registry with crane, pulled by a real containerd and run by
 * runc with the image's own user on a read-only root filesystem, where the CLI must answer, {@code
 * dockmaster verify} must check the image's own cosign signature, and the operator must become
 * ready against the dev control plane and stop on SIGTERM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerImageE2E {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NONROOT = "65532:65532";
  private static final List<String> ENTRYPOINT =
      List.of(
          "/opt/java/bin/java", "-cp", "@/app/jib-classpath-file", "io.dockmaster.cli.Dockmaster");

  private final DevCluster cluster = DevCluster.fromEnvFile();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private Path tmp;
  private Commands commands;
  private DevImages images;
  private String image;
  private ImageContainerd containerd;
  private int containers;

  @BeforeAll
  void pushAndPull() throws IOException {
    Path tarball =
        Path.of(
            System.getProperty(
                "dockmaster.image.tar",
                cluster.root().resolve("operator/target/dockmaster-image.tar").toString()));
    if (!Files.exists(tarball)) {
      throw new IllegalStateException(
          tarball
              + " does not exist: build the image first with `make image`"
              + " (or `hack/build-base-image.sh && mvn -Pimage -pl operator package`)");
    }
    tmp = Files.createTempDirectory("dockmaster-image-e2e-");
    // The container's user (65532) reads what tests bind-mount from here.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    commands = new Commands(Map.of("COSIGN_PASSWORD", "", "HOME", tmp.toString()), tmp);
    Path layout = Files.createDirectories(tmp.resolve("oci"));
    commands.run("tar", "-xf", tarball.toString(), "-C", layout.toString()).orFail("tar");
    images = new DevImages(cluster, commands, tmp, "image-" + run + "/dockmaster");
    image = images.repository() + ":e2e";
    images.crane("push", layout.toString(), image);
    containerd = ImageContainerd.start();
    containerd.ctr("images", "pull", "--plain-http", image).orFail("ctr images pull " + image);
  }

  @AfterAll
  void stopContainerd() throws IOException {
    if (containerd != null) {
      containerd.close();
    }
    // The image, its layout and its exported filesystem: a few hundred MiB per run.
    try (Stream<Path> files = Files.walk(tmp)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void theConfigRunsAsNonrootWithContainerJvmFlags() throws IOException {
    JsonNode manifest = JSON.readTree(images.crane("manifest", image));
    JsonNode config = JSON.readTree(images.crane("config", image));
    JsonNode container = config.path("config");

    assertThat(manifest.path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(config.path("os").asText()).isEqualTo("linux");
    assertThat(config.path("architecture").asText()).isEqualTo("amd64");
    assertThat(container.path("User").asText()).isEqualTo(NONROOT);
    assertThat(container.path("WorkingDir").asText()).isEqualTo("/home/nonroot");
    assertThat(strings(container.path("Entrypoint"))).isEqualTo(ENTRYPOINT);
    assertThat(strings(container.path("Env")))
        .contains(
            "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:+UseG1GC",
            "JAVA_HOME=/opt/java");
    assertThat(container.path("Labels").path("org.opencontainers.image.title").asText())
        .isEqualTo("dockmaster");
    assertThat(container.path("Labels").path("org.opencontainers.image.version").asText())
        .isNotBlank();
  }

  @Test
  void theFilesystemHasANonrootUserAndNoShellOrSetuidFiles() {
    Path export = tmp.resolve("filesystem.tar");
    images.crane("export", image, export.toString());
    List<String> entries =
        commands
            .run("tar", "--numeric-owner", "-tvf", export.toString())
            .orFail("tar -tvf")
            .stdout()
            .lines()
            .toList();
    String passwd =
        commands.run("tar", "-xOf", export.toString(), "etc/passwd").orFail("tar").stdout();

    assertThat(passwd).contains("nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin");
    assertThat(entries)
        .anySatisfy(
            e -> assertThat(e).startsWith("drwx------ 65532/65532").endsWith(" home/nonroot"))
        .anySatisfy(e -> assertThat(e).endsWith(" opt/java/bin/java"))
        .anySatisfy(e -> assertThat(e).endsWith(" var/lib/dpkg/status.d/libc6"))
        .anySatisfy(e -> assertThat(e).endsWith(" usr/share/doc/dockmaster-base/sbom.tsv"))
        .noneSatisfy(e -> assertThat(e).matches("^\\S*[sS].*"))
        .noneSatisfy(e -> assertThat(e).matches(".* (usr/)?bin/(sh|bash|dash|busybox)( -> .*)?$"));
  }

  @Test
  void theCliAnswersInAReadOnlyContainer() {
    Commands.Result result = runInImage(arguments("--help"));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout())
        .startsWith("Usage: dockmaster")
        .contains("operator  Runs the operator", "agent     Runs the node agent", "verify");
  }

  @Test
  void theJvmRunsAsNonrootWithTheImageFlagsInForce() {
    Commands.Result result =
        runInImage(
            List.of(
                "/opt/java/bin/java",
                "-XshowSettings:properties",
                "-XX:+PrintFlagsFinal",
                "-version"));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    // -XshowSettings and -version print to stderr, the flags to stdout.
    assertThat(result.stderr())
        .contains("user.name = nonroot", "user.home = /home/nonroot", "java.version = 17.");
    assertThat(result.stdout().lines().map(l -> l.trim().replaceAll("\\s+", " ")))
        .anySatisfy(l -> assertThat(l).startsWith("double MaxRAMPercentage = 75.0"))
        .anySatisfy(l -> assertThat(l).startsWith("bool UseG1GC = true"))
        .anySatisfy(l -> assertThat(l).startsWith("bool ExitOnOutOfMemoryError = true"));
  }

  @Test
  void theJreTrustsDebiansCertificateAuthorities() {
    Commands.Result result =
        runInImage(List.of("/opt/java/bin/keytool", "-list", "-cacerts", "-storepass", "changeit"));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout().lines().filter(l -> l.startsWith("debian:")))
        .hasSizeGreaterThan(100)
        .allSatisfy(l -> assertThat(l).contains("trustedCertEntry"))
        .anySatisfy(l -> assertThat(l).startsWith("debian:isrg_root_x1,"));
  }

  @Test
  void verifyInsideTheImageChecksTheImagesOwnSignature() throws IOException {
    String signed = images.sign(image);
    String unsignedRoot = images.withUser("root", "0");
    Path policies = Files.createDirectories(tmp.resolve("policies"));
    Files.writeString(
        policies.resolve("policy.yaml"),
        """
        apiVersion: dockmaster.io/v1alpha1
        kind: ImagePolicy
        metadata: {name: image-e2e}
        spec:
          images: ["%s/**"]
          runAsNonRoot: true
          signature:
            authorities:
            - name: release
              key:
                pem: |
        %s
        """
            .formatted(cluster.registry() + "/image-" + run, images.publicKeyPem(16)));
    // The container's user (65532) reads the policy through a read-only bind mount.
    Files.setPosixFilePermissions(policies, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(
        policies.resolve("policy.yaml"), PosixFilePermissions.fromString("rw-r--r--"));
    List<String> mount =
        List.of("--mount", "type=bind,src=" + policies + ",dst=/policies,options=rbind:ro");

    Commands.Result pass =
        runInImage(mount, arguments("verify", "--policy", "/policies/policy.yaml", signed));
    Commands.Result deny =
        runInImage(mount, arguments("verify", "--policy", "/policies/policy.yaml", unsignedRoot));

    assertThat(pass.exitCode()).as(pass.stderr() + pass.stdout()).isZero();
    assertThat(pass.stdout()).contains("PASS " + signed);
    assertThat(deny.exitCode()).as(deny.stderr() + deny.stdout()).isEqualTo(1);
    assertThat(deny.stdout()).contains("NOT_SIGNED", "RUNS_AS_ROOT");
  }

  @Test
  void theOperatorBecomesReadyInTheImageAndStopsOnSigterm() throws IOException {
    Path kube = Files.createDirectories(tmp.resolve("kube"));
    Files.setPosixFilePermissions(kube, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path kubeconfig = kube.resolve("kubeconfig");
    Files.copy(cluster.kubeconfig(), kubeconfig);
    // The dev cluster's admin credentials: readable by the container's user only.
    Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-------"));
    Files.setAttribute(kubeconfig, "unix:uid", 65532);
    Files.setAttribute(kubeconfig, "unix:gid", 65532);
    int port = freePort();
    String lease = "dockmaster-image-e2e-" + run;
    String id = "image-e2e-" + run + "-operator";
    Path log = tmp.resolve("operator.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                "run",
                "-d",
                "--read-only",
                "--net-host",
                "--env",
                "KUBECONFIG=/kube/kubeconfig",
                "--mount",
                "type=bind,src=" + kube + ",dst=/kube,options=rbind:ro",
                // As the chart's emptyDir: Vert.x keeps a file cache in /tmp.
                "--mount",
                "type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev:mode=1777",
                "--log-uri",
                "file://" + log,
                image,
                id));
    command.addAll(
        arguments(
            "operator",
            "--health-port=" + port,
            "--bind-address=127.0.0.1",
            "--leader-election-namespace=default",
            "--lease-name=" + lease));
    containerd.ctr(command.toArray(String[]::new)).orFail("ctr run -d (the operator)");
    try {
      HttpClient http = HttpClient.newHttpClient();
      await()
          .atMost(Duration.ofSeconds(90))
          .untilAsserted(
              () -> {
                assertThat(status(http, port, "/readyz")).isEqualTo(200);
                assertThat(Files.readString(log)).contains("operator started");
              });

      containerd.ctr("task", "kill", "--signal", "SIGTERM", id).orFail("ctr task kill");

      // java is PID 1 in the container, which the kernel sends no default signal actions: only the
      // JVM's own SIGTERM handler ends it before the runtime's SIGKILL.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(containerd.ctr("task", "ls").stdout())
                      .containsPattern(id + "\\s+\\d+\\s+STOPPED"));
    } finally {
      containerd.ctr("task", "delete", "--force", id);
      containerd.ctr("container", "delete", id);
      new Commands(Map.of("KUBECONFIG", cluster.kubeconfig().toString()), tmp)
          .run("kubectl", "delete", "lease", "-n", "default", lease, "--ignore-not-found");
    }
  }

  private static int status(HttpClient http, int port, String path) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(5))
              .build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private Commands.Result runInImage(List<String> command) {
    return runInImage(List.of(), command);
  }

  /**
   * {@code ctr run} with the image's user and environment on a read-only root filesystem, in the
   * host's network (the dev registry is on 127.0.0.1). ctr replaces the entrypoint with the command
   * it is given, so callers pass the image's entrypoint themselves.
   */
  private Commands.Result runInImage(List<String> options, List<String> command) {
    List<String> args = new ArrayList<>(List.of("run", "--rm", "--read-only", "--net-host"));
    args.addAll(options);
    args.add(image);
    args.add("image-e2e-" + run + "-" + ++containers);
    args.addAll(command);
    return containerd.ctr(args.toArray(String[]::new));
  }

  private static List<String> arguments(String... args) {
    List<String> command = new ArrayList<>(ENTRYPOINT);
    command.addAll(List.of(args));
    return command;
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }
}
