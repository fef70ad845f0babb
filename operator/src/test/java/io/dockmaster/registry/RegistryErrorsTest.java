package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.RegistryException.Kind;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RegistryErrorsTest {

  private static final Target MANIFEST =
      Target.manifest(ImageReference.parse("127.0.0.1:5000/team/app:1.0"));

  private static byte[] body(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void unauthorizedSaysWhetherCredentialsWereSent() {
    RegistryException refused = RegistryErrors.forStatus(MANIFEST, 401, null, true, 1);
    RegistryException missing = RegistryErrors.forStatus(MANIFEST, 401, null, false, 1);

    assertThat(refused.kind()).isEqualTo(Kind.UNAUTHORIZED);
    assertThat(refused)
        .hasMessage(
            "registry 127.0.0.1:5000 refused credentials for repository team/app (401 Unauthorized)");
    assertThat(missing)
        .hasMessage(
            "registry 127.0.0.1:5000 requires credentials for repository team/app (401 Unauthorized)");
    assertThat(refused.status()).contains(401);
    assertThat(refused.registry()).isEqualTo("127.0.0.1:5000");
  }

  @Test
  void notFoundCarriesOciErrorCodes() {
    RegistryException e =
        RegistryErrors.forStatus(
            MANIFEST,
            404,
            body(
                "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\","
                    + "\"detail\":{\"Tag\":\"1.0\"}}]}"),
            false,
            1);

    assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
    assertThat(e)
        .hasMessage(
            "registry 127.0.0.1:5000 has no manifest team/app:1.0"
                + " (404 Not Found, MANIFEST_UNKNOWN: manifest unknown)");
  }

  @Test
  void mapsStatusesToKinds() {
    assertThat(RegistryErrors.forStatus(MANIFEST, 403, null, true, 1).kind())
        .isEqualTo(Kind.FORBIDDEN);
    assertThat(RegistryErrors.forStatus(MANIFEST, 429, null, false, 3).kind())
        .isEqualTo(Kind.RATE_LIMITED);
    assertThat(RegistryErrors.forStatus(MANIFEST, 503, null, false, 3).kind())
        .isEqualTo(Kind.UNREACHABLE);
    assertThat(RegistryErrors.forStatus(MANIFEST, 500, null, false, 3).kind())
        .isEqualTo(Kind.PROTOCOL);
    assertThat(RegistryErrors.forStatus(MANIFEST, 418, null, false, 1).kind())
        .isEqualTo(Kind.PROTOCOL);
    assertThat(Kind.UNREACHABLE.isTransient()).isTrue();
    assertThat(Kind.NOT_FOUND.isTransient()).isFalse();
  }

  @Test
  void mentionsRetriesAndDeniedDetail() {
    assertThat(RegistryErrors.forStatus(MANIFEST, 503, null, false, 4))
        .hasMessage(
            "registry 127.0.0.1:5000 is unavailable for manifest team/app:1.0"
                + " (503 Service Unavailable) after 4 attempts");
    assertThat(
            RegistryErrors.forStatus(
                MANIFEST,
                403,
                body("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no pull\"}]}"),
                true,
                1))
        .hasMessage(
            "registry 127.0.0.1:5000 denied access to repository team/app"
                + " (403 Forbidden, DENIED: no pull)");
  }

  @Test
  void ignoresNonJsonBodiesAndSanitizesServerText() {
    assertThat(RegistryErrors.forStatus(MANIFEST, 404, body("<html>nope</html>"), false, 1))
        .hasMessageEndingWith("(404 Not Found)");
    String sneaky = "{\"errors\":[{\"code\":\"X\",\"message\":\"line1\\nline2\\u0000\"}]}";
    assertThat(RegistryErrors.forStatus(MANIFEST, 400, body(sneaky), false, 1).getMessage())
        .doesNotContain("\n")
        .contains("X: line1 line2");
    assertThat(RegistryErrors.sanitize("x".repeat(1000))).hasSize(300);
  }

  @Test
  void ioFailuresAreDescribedWithoutClassNames() {
    RegistryException refused =
        RegistryErrors.forIo(MANIFEST, "127.0.0.1:5000", new ConnectException(), 3);
    RegistryException timeout =
        RegistryErrors.forIo(
            MANIFEST,
            "127.0.0.1:5000",
            new HttpConnectTimeoutException("HTTP connect timed out"),
            1);

    assertThat(refused.kind()).isEqualTo(Kind.UNREACHABLE);
    assertThat(refused)
        .hasMessage(
            "registry 127.0.0.1:5000 is unreachable for manifest team/app:1.0:"
                + " connection refused after 3 attempts");
    assertThat(refused.getMessage()).doesNotContain("Exception").doesNotContain("java.");
    assertThat(timeout).hasMessageEndingWith(": connection timed out");
  }

  @Test
  void catalogTargetHasNoRepository() {
    assertThat(RegistryErrors.forStatus(Target.catalog("reg.example"), 401, null, false, 1))
        .hasMessage("registry reg.example requires credentials for the catalog (401 Unauthorized)");
  }

  @Test
  void digestTargetsNameTheDigest() {
    Digest digest = Digest.sha256(new byte[0]);
    Target byDigest = Target.manifest(ImageReference.parse("127.0.0.1:5000/team/app@" + digest));

    assertThat(byDigest.what()).isEqualTo("manifest team/app@" + digest);
  }
}
