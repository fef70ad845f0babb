package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

  @Test
  void parsesDockerHubBearerChallenge() {
    List<AuthChallenge> challenges =
        AuthChallenge.parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/nginx:pull\"");

    assertThat(challenges).hasSize(1);
    AuthChallenge bearer = challenges.get(0);
    assertThat(bearer.scheme()).isEqualTo("bearer");
    assertThat(bearer.realm()).contains("https://auth.docker.io/token");
    assertThat(bearer.service()).contains("registry.docker.io");
    assertThat(bearer.scope()).contains("repository:library/nginx:pull");
  }

  @Test
  void parsesBasicChallengeFromDistribution() {
    List<AuthChallenge> challenges = AuthChallenge.parse("Basic realm=\"Registry Realm\"");

    assertThat(challenges)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.scheme()).isEqualTo(AuthChallenge.BASIC);
              assertThat(c.realm()).contains("Registry Realm");
            });
  }

  @Test
  void keepsCommasInsideQuotedValues() {
    AuthChallenge challenge =
        AuthChallenge.parse(
                "Bearer realm=\"https://ghcr.io/token\",scope=\"repository:a/b:pull,push\"")
            .get(0);

    assertThat(challenge.scope()).contains("repository:a/b:pull,push");
  }

  @Test
  void handlesEscapesSpacesCaseAndUnquotedTokens() {
    AuthChallenge challenge =
        AuthChallenge.parse("BEARER  Realm = \"https://x/t\\\"q\" , Service=reg.example ,error=x")
            .get(0);

    assertThat(challenge.scheme()).isEqualTo("bearer");
    assertThat(challenge.realm()).contains("https://x/t\"q");
    assertThat(challenge.service()).contains("reg.example");
    assertThat(challenge.parameter("ERROR")).contains("x");
  }

  @Test
  void parsesSeveralChallengesInOneHeader() {
    List<AuthChallenge> challenges =
        AuthChallenge.parse(
            "Bearer realm=\"https://auth/token\",service=\"reg\", Basic realm=\"fallback\"");

    assertThat(challenges).extracting(AuthChallenge::scheme).containsExactly("bearer", "basic");
    assertThat(challenges.get(0).service()).contains("reg");
    assertThat(challenges.get(1).realm()).contains("fallback");
  }

  @Test
  void schemeWithoutParameters() {
    assertThat(AuthChallenge.parse("Negotiate"))
        .singleElement()
        .satisfies(c -> assertThat(c.parameters()).isEmpty());
  }

  @Test
  void emptyAndGarbageYieldNothingOrDoNotLoop() {
    assertThat(AuthChallenge.parse(null)).isEmpty();
    assertThat(AuthChallenge.parse("  , ,")).isEmpty();
    assertThat(AuthChallenge.parse("Bearer realm=\"unterminated"))
        .singleElement()
        .satisfies(c -> assertThat(c.realm()).contains("unterminated"));
    assertThat(AuthChallenge.parse("\"\"\"")).isEmpty();
  }
}
