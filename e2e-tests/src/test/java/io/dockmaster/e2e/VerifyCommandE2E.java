package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code dockmaster verify} as a CI pipeline would run it: images pushed with crane and signed with
 * cosign in the dev registry, a policy file, the jar, its output and exit code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifyCommandE2E {

  private final DevCluster cluster = DevCluster.fromEnvFile();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private Path tmp;
  private Commands commands;
  private String signed;
  private String unsignedRoot;
  private Path policy;

  @BeforeAll
  void pushAndSign() throws IOException {
    tmp = Files.createTempDirectory("dockmaster-verify-e2e-");
    commands = new Commands(Map.of("COSIGN_PASSWORD", "", "HOME", tmp.toString()), tmp);
    DevImages images = new DevImages(cluster, commands, tmp, "verify-" + run + "/app");
    signed = images.withUser("signed", "10001");
    unsignedRoot = images.withUser("root", "0");
    images.sign(signed);
    String pem = images.publicKeyPem(16);
    policy = tmp.resolve("policy.yaml");
    Files.writeString(
        policy,
        """
        apiVersion: dockmaster.io/v1alpha1
        kind: ImagePolicy
        metadata: {name: ci}
        spec:
          images: ["%s/verify-%s/**"]
          runAsNonRoot: true
          signature:
            authorities:
            - name: release
              key:
                pem: |
        %s
        """
            .formatted(cluster.registry(), run, pem));
  }

  @Test
  void aSignedNonRootImagePasses() {
    Commands.Result result = verify(signed);

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).contains("PASS " + signed);
  }

  @Test
  void anUnsignedRootImageIsDeniedWithEveryReason() {
    Commands.Result result = verify(unsignedRoot);

    assertThat(result.exitCode()).as(result.stderr()).isEqualTo(1);
    assertThat(result.stdout().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(
                        "DENY ImagePolicy \"ci\": spec.containers[0] \"verify\" image "
                            + unsignedRoot
                            + " (sha256:")
                    .contains(": NOT_SIGNED: it has no signature"))
        .anySatisfy(
            line -> assertThat(line).contains(": RUNS_AS_ROOT: the image runs as \"0\" (root)"));
  }

  @Test
  void anInvalidPolicyFileIsBadInput() throws IOException {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(
        bad,
        """
        apiVersion: dockmaster.io/v1alpha1
        kind: ImagePolicy
        metadata: {name: broken}
        spec:
          images: [nginx]
        """);

    Commands.Result result =
        commands.run(
            "java", "-jar", cluster.jar().toString(), "verify", "--policy", bad.toString(), signed);

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr())
        .contains(
            "ImagePolicy \"broken\" is invalid: spec.images[0]: \"nginx\" must start with a registry host");
  }

  private Commands.Result verify(String image) {
    return commands.run(
        "java", "-jar", cluster.jar().toString(), "verify", "--policy", policy.toString(), image);
  }
}
