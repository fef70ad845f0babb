package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DockerConfigTest {

  private static String auth(String user, String password) {
    return Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static Optional<RegistryCredentials> lookup(DockerConfig config, String reference) {
    return config.credentialsFor(ImageReference.parse(reference));
  }

  @Test
  void decodesAuthField() {
    DockerConfig config =
        DockerConfig.parse(
            "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("bob", "s3:cret") + "\"}}}");

    assertThat(lookup(config, "registry.example.com/team/app:1"))
        .contains(RegistryCredentials.basic("bob", "s3:cret"));
    assertThat(lookup(config, "other.example.com/team/app")).isEmpty();
  }

  @Test
  void usesUsernameAndPasswordFields() {
    DockerConfig config =
        DockerConfig.parse(
            "{\"auths\":{\"quay.io\":{\"username\":\"robot\",\"password\":\"pw\"}}}");

    assertThat(lookup(config, "quay.io/org/app"))
        .contains(RegistryCredentials.basic("robot", "pw"));
  }

  @Test
  void readsIdentityAndRegistryTokens() {
    DockerConfig config =
        DockerConfig.parse(
            """
            {"auths":{
              "acr.example.io":{"username":"00000000-0000-0000-0000-000000000000","identitytoken":"refresh"},
              "tok.example.io":{"registrytoken":"bearer-token"}}}
            """);

    RegistryCredentials identity = lookup(config, "acr.example.io/app").orElseThrow();
    assertThat(identity.identityTokenValue()).contains("refresh");
    assertThat(identity.basicAuthorization()).isEmpty();
    assertThat(lookup(config, "tok.example.io/app").orElseThrow().registryTokenValue())
        .contains("bearer-token");
  }

  @Test
  void dockerHubKeysInAllTheirSpellingsMatchDockerHubImages() {
    for (String key :
        List.of(
            "https://index.docker.io/v1/",
            "index.docker.io",
            "docker.io",
            "registry-1.docker.io",
            "https://registry-1.docker.io/v2/")) {
      DockerConfig config =
          DockerConfig.parse("{\"auths\":{\"" + key + "\":{\"auth\":\"" + auth("u", "p") + "\"}}}");

      assertThat(lookup(config, "nginx")).as(key).contains(RegistryCredentials.basic("u", "p"));
    }
  }

  @Test
  void schemeAndTrailingSlashAreIgnoredAndHostsAreCaseInsensitive() {
    DockerConfig config =
        DockerConfig.parse(
            "{\"auths\":{\"HTTPS://Registry.Example.com:5000/\":{\"auth\":\""
                + auth("u", "p")
                + "\"}}}");

    assertThat(lookup(config, "registry.example.com:5000/app")).isPresent();
    assertThat(lookup(config, "registry.example.com/app")).as("port must match").isEmpty();
  }

  @Test
  void mostSpecificPathWins() {
    DockerConfig config =
        DockerConfig.parse(
            """
            {"auths":{
              "reg.example.com":{"auth":"%s"},
              "reg.example.com/team":{"auth":"%s"},
              "reg.example.com/team/special":{"auth":"%s"}}}
            """
                .formatted(auth("host", "1"), auth("team", "2"), auth("special", "3")));

    assertThat(lookup(config, "reg.example.com/other/app").orElseThrow().username())
        .isEqualTo("host");
    assertThat(lookup(config, "reg.example.com/team/app").orElseThrow().username())
        .isEqualTo("team");
    assertThat(lookup(config, "reg.example.com/team/special").orElseThrow().username())
        .isEqualTo("special");
    assertThat(lookup(config, "reg.example.com/teamster/app").orElseThrow().username())
        .as("path prefix matches whole components only")
        .isEqualTo("host");
  }

  @Test
  void wildcardMatchesOneLabelAndExactHostWins() {
    DockerConfig config =
        DockerConfig.parse(
            """
            {"auths":{
              "*.example.com":{"auth":"%s"},
              "exact.example.com":{"auth":"%s"}}}
            """
                .formatted(auth("wild", "1"), auth("exact", "2")));

    assertThat(lookup(config, "a.example.com/app").orElseThrow().username()).isEqualTo("wild");
    assertThat(lookup(config, "exact.example.com/app").orElseThrow().username()).isEqualTo("exact");
    assertThat(lookup(config, "a.b.example.com/app")).isEmpty();
    assertThat(lookup(config, "example.com/app")).isEmpty();
  }

  @Test
  void readsLegacyDockercfgFormat() {
    DockerConfig config =
        DockerConfig.parse("{\"legacy.example.com\":{\"auth\":\"" + auth("old", "pw") + "\"}}");

    assertThat(lookup(config, "legacy.example.com/app")).isPresent();
  }

  @Test
  void registryWideLookupOnlyUsesKeysWithoutPath() {
    DockerConfig config =
        DockerConfig.parse(
            "{\"auths\":{\"reg.example.com/team\":{\"auth\":\"" + auth("team", "1") + "\"}}}");

    assertThat(config.credentialsForRegistry("reg.example.com")).isEmpty();
    assertThat(
            DockerConfig.parse(
                    "{\"auths\":{\"reg.example.com\":{\"auth\":\"" + auth("h", "1") + "\"}}}")
                .credentialsForRegistry("Reg.Example.com"))
        .isPresent();
  }

  @Test
  void skipsEntriesWithoutCredentials() {
    DockerConfig config = DockerConfig.parse("{\"auths\":{\"empty.example.com\":{}}}");

    assertThat(config.size()).isZero();
  }

  @Test
  void rejectsMalformedInputWithoutQuotingSecrets() {
    assertThatThrownBy(() -> DockerConfig.parse("{not json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> DockerConfig.parse("[]"))
        .hasMessageContaining("must be a JSON object");
    assertThatThrownBy(
            () -> DockerConfig.parse("{\"auths\":{\"h.example\":{\"auth\":\"!!notbase64!!\"}}}"))
        .hasMessageContaining("h.example")
        .hasMessageContaining("not valid base64")
        .hasMessageNotContaining("notbase64");
    String noColon = Base64.getEncoder().encodeToString("secretwithoutcolon".getBytes());
    assertThatThrownBy(
            () -> DockerConfig.parse("{\"auths\":{\"h.example\":{\"auth\":\"" + noColon + "\"}}}"))
        .hasMessageContaining("not user:password")
        .hasMessageNotContaining("secretwithoutcolon");
  }

  @Test
  void toStringNeverRevealsSecrets() {
    RegistryCredentials basic = RegistryCredentials.basic("bob", "hunter2");
    RegistryCredentials identity = RegistryCredentials.identityToken("bob", "refresh-secret");
    RegistryCredentials token = RegistryCredentials.registryToken("token-secret");
    DockerConfig config =
        DockerConfig.parse("{\"auths\":{\"r.example\":{\"auth\":\"" + auth("u", "pw-x") + "\"}}}");

    assertThat(basic.toString()).contains("bob").doesNotContain("hunter2");
    assertThat(identity.toString()).doesNotContain("refresh-secret");
    assertThat(token.toString()).doesNotContain("token-secret");
    assertThat(config.toString()).contains("r.example").doesNotContain("pw-x");
  }

  @Test
  void firstProviderWithCredentialsWins() {
    DockerConfig first =
        DockerConfig.parse("{\"auths\":{\"a.example\":{\"auth\":\"" + auth("first", "1") + "\"}}}");
    DockerConfig second =
        DockerConfig.parse(
            "{\"auths\":{\"a.example\":{\"auth\":\"%s\"},\"b.example\":{\"auth\":\"%s\"}}}"
                .formatted(auth("second", "2"), auth("second", "2")));
    CredentialsProvider both = CredentialsProvider.firstOf(List.of(first, second));

    assertThat(both.credentialsFor(ImageReference.parse("a.example/x")).orElseThrow().username())
        .isEqualTo("first");
    assertThat(both.credentialsFor(ImageReference.parse("b.example/x")).orElseThrow().username())
        .isEqualTo("second");
    assertThat(both.credentialsForRegistry("b.example")).isPresent();
    assertThat(CredentialsProvider.anonymous().credentialsFor(ImageReference.parse("x"))).isEmpty();
  }
}
