package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.RegistryException.Kind;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Basic auth against a distribution registry protected by htpasswd. */
class RegistryAuthIT {

  private static final String USER = "dockmaster";
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir static Path tmp;

  private static RegistryServer registry;
  private static String host;
  private static String digest;
  private static DockerConfig goodConfig;

  @BeforeAll
  static void startRegistryAndPush() throws Exception {
    registry = RegistryServer.distribution().htpasswd(USER, PASSWORD).start();
    host = registry.host();
    String json = dockerConfigJson(USER, PASSWORD);
    goodConfig = DockerConfig.parse(json);
    Path dockerConfigDir = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(dockerConfigDir.resolve("config.json"), json);
    TestImages crane = TestImages.withDockerConfig(dockerConfigDir);
    digest =
        crane.push(host + "/private/app:1", TestImages.layer(tmp, Map.of("secret.txt", "s\n")));
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  private static String dockerConfigJson(String user, String password) {
    String auth =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}";
  }

  private static ImageReference ref(String reference) {
    return ImageReference.parse(host + "/" + reference);
  }

  @Test
  void withoutCredentialsIsUnauthorized() {
    RegistryClient anonymous = RegistryClient.builder().build();

    assertThatThrownBy(() -> anonymous.resolve(ref("private/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED);
              assertThat(e.status()).contains(401);
            })
        .hasMessage(
            "registry "
                + host
                + " requires credentials for repository private/app (401 Unauthorized)");
  }

  @Test
  void wrongPasswordIsUnauthorizedAndNeverEchoed() {
    RegistryClient wrong =
        RegistryClient.builder()
            .credentials(DockerConfig.parse(dockerConfigJson(USER, "wrong-password")))
            .build();

    assertThatThrownBy(() -> wrong.fetchManifest(ref("private/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
        .hasMessage(
            "registry "
                + host
                + " refused credentials for repository private/app (401 Unauthorized)")
        .hasMessageNotContaining("wrong-password");
  }

  @Test
  void rightCredentialsFromDockerConfigWork() throws Exception {
    RegistryClient client = RegistryClient.builder().credentials(goodConfig).build();

    Descriptor resolved = client.resolve(ref("private/app:1"));
    FetchedManifest manifest = client.fetchManifest(ref("private/app:1"));
    Descriptor layer = manifest.manifest().orElseThrow().layers().get(0);

    assertThat(resolved.digest()).hasToString(digest);
    assertThat(manifest.digest()).hasToString(digest);
    try (InputStream in = client.openBlob(ref("private/app"), layer)) {
      assertThat(Digest.sha256(in.readAllBytes())).isEqualTo(layer.digest());
    }
    assertThat(client.listTags(ImageReference.parseRepository(host + "/private/app")))
        .containsExactly("1");
    assertThat(client.listRepositories(host, 10)).contains("private/app");
  }

  @Test
  void credentialViewsOfOneClientStayApart() {
    RegistryClient anonymous = RegistryClient.builder().build();
    RegistryClient authorized = anonymous.withCredentials(goodConfig);

    assertThat(authorized.resolve(ref("private/app:1")).digest()).hasToString(digest);
    assertThatThrownBy(() -> anonymous.resolve(ref("private/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED));
  }
}
