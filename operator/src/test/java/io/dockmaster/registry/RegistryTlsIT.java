package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.RegistryException.Kind;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry serving HTTPS with a self-signed certificate for a different host name: insecure mode
 * must skip both trust and host name checks, verified mode must refuse with a readable reason.
 */
class RegistryTlsIT {

  @TempDir static Path tmp;

  private static RegistryServer registry;
  private static String host;
  private static String digest;

  @BeforeAll
  static void start() {
    Path cert = tmp.resolve("registry.pem");
    Path key = tmp.resolve("registry-key.pem");
    TestImages.exec(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key.toString(),
            "-out",
            cert.toString(),
            "-days",
            "2",
            "-subj",
            "/CN=registry.invalid",
            "-addext",
            "subjectAltName=DNS:registry.invalid"),
        Duration.ofSeconds(60));
    registry = RegistryServer.distribution().tls(cert, key).start();
    host = registry.host();
    digest =
        TestImages.anonymous()
            .push(host + "/secure/app:1", TestImages.layer(tmp, Map.of("tls.txt", "tls\n")));
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void insecureModeSpeaksTlsWithoutVerifying() {
    RegistryClient insecure = RegistryClient.builder().build();

    assertThat(insecure.resolve(ImageReference.parse(host + "/secure/app:1")).digest())
        .hasToString(digest);
    assertThat(insecure.listTags(ImageReference.parseRepository(host + "/secure/app")))
        .containsExactly("1");
  }

  @Test
  void verifiedModeRefusesAnUntrustedCertificate() {
    RegistryClient verifying =
        RegistryClient.builder()
            .settings(
                RegistrySettings.builder().security(host, RegistrySettings.Security.TLS).build())
            .build();

    assertThatThrownBy(() -> verifying.resolve(ImageReference.parse(host + "/secure/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
        .hasMessage(
            "registry "
                + host
                + " is unreachable for manifest secure/app:1:"
                + " TLS handshake failed: the server certificate is not trusted");
  }

  @Test
  void plainHttpModeCannotTalkToATlsRegistry() {
    RegistryClient plain =
        RegistryClient.builder()
            .settings(
                RegistrySettings.builder()
                    .security(host, RegistrySettings.Security.PLAIN_HTTP)
                    .retryPolicy(RetryPolicy.NONE)
                    .build())
            .build();

    assertThatThrownBy(() -> plain.resolve(ImageReference.parse(host + "/secure/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("400 Bad Request");
  }
}
