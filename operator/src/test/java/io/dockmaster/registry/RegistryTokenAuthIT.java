package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.RegistryException.Kind;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import io.dockmaster.testing.TokenServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Bearer token flow against distribution with {@code auth: token} and a real JWT issuer. */
class RegistryTokenAuthIT {

  private static final String USER = "robot";
  private static final String PASSWORD = "s3cret-pass";
  private static final String REFRESH_TOKEN = "identity-token-value";

  @TempDir static Path tmp;

  private static TokenServer tokens;
  private static RegistryServer registry;
  private static String host;
  private static String digest;

  @BeforeAll
  static void start() throws Exception {
    tokens = TokenServer.start(tmp, USER, PASSWORD, REFRESH_TOKEN, Duration.ofMinutes(5));
    registry =
        RegistryServer.distribution()
            .tokenAuth(
                tokens.realm(), TokenServer.SERVICE, TokenServer.ISSUER, tokens.certificate())
            .start();
    host = registry.host();
    Path dockerConfigDir = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(dockerConfigDir.resolve("config.json"), passwordConfig(PASSWORD));
    digest =
        TestImages.withDockerConfig(dockerConfigDir)
            .push(host + "/team/app:1", TestImages.layer(tmp, Map.of("t.txt", "token\n")));
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (tokens != null) {
      tokens.close();
    }
  }

  private static String passwordConfig(String password) {
    String auth =
        Base64.getEncoder()
            .encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}";
  }

  private static ImageReference ref(String reference) {
    return ImageReference.parse(host + "/" + reference);
  }

  @Test
  void fetchesOneTokenForTheRepositoryScopeAndReusesIt() throws Exception {
    RegistryClient client =
        RegistryClient.builder().credentials(DockerConfig.parse(passwordConfig(PASSWORD))).build();
    int before = tokens.requests().size();

    Descriptor resolved = client.resolve(ref("team/app:1"));
    Manifest manifest = client.fetchManifest(ref("team/app:1")).manifest().orElseThrow();
    try (InputStream in = client.openBlob(ref("team/app"), manifest.layers().get(0))) {
      assertThat(in.readAllBytes()).hasSize((int) manifest.layers().get(0).size());
    }

    assertThat(resolved.digest()).hasToString(digest);
    List<TokenServer.Request> made = tokens.requests().subList(before, tokens.requests().size());
    assertThat(made)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.user()).isEqualTo(USER);
              assertThat(r.scopes()).containsExactly("repository:team/app:pull");
              assertThat(r.service()).isEqualTo(TokenServer.SERVICE);
            });
  }

  @Test
  void fetchesANewTokenOnceTheOldOneExpired() {
    MovableClock clock = new MovableClock();
    RegistryClient client =
        RegistryClient.builder()
            .credentials(DockerConfig.parse(passwordConfig(PASSWORD)))
            .clock(clock)
            .build();
    int before = tokens.requests().size();

    client.resolve(ref("team/app:1"));
    client.resolve(ref("team/app:1"));
    clock.advance(Duration.ofMinutes(6));
    client.resolve(ref("team/app:1"));

    assertThat(tokens.requests().size() - before).isEqualTo(2);
  }

  @Test
  void identityTokenIsExchangedAsRefreshToken() {
    String config = "{\"auths\":{\"" + host + "\":{\"identitytoken\":\"" + REFRESH_TOKEN + "\"}}}";
    RegistryClient client =
        RegistryClient.builder().credentials(DockerConfig.parse(config)).build();
    int before = tokens.requests().size();

    assertThat(client.resolve(ref("team/app:1")).digest()).hasToString(digest);
    assertThat(tokens.requests().get(before).method()).isEqualTo("POST");
  }

  @Test
  void anonymousTokenWithoutAccessIsUnauthorized() {
    RegistryClient anonymous = RegistryClient.builder().build();

    assertThatThrownBy(() -> anonymous.resolve(ref("team/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
        .hasMessage(
            "registry "
                + host
                + " requires credentials for repository team/app (401 Unauthorized)");
  }

  @Test
  void wrongPasswordIsRefusedByTheTokenServer() {
    RegistryClient wrong =
        RegistryClient.builder().credentials(DockerConfig.parse(passwordConfig("nope"))).build();

    assertThatThrownBy(() -> wrong.fetchManifest(ref("team/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
        .hasMessage(
            "registry " + host + " refused credentials for repository team/app (401 Unauthorized)");
  }

  /** A system clock that tests can push forward. */
  private static final class MovableClock extends Clock {
    private Duration offset = Duration.ZERO;

    void advance(Duration duration) {
      offset = offset.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset);
    }
  }
}
