package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.RegistrySettings.Security;
import io.dockmaster.testing.PlainHttpOnlyServer;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An insecure registry that speaks only plain HTTP: tried over TLS once, then remembered. */
class PlainHttpFallbackTest {

  private PlainHttpOnlyServer server;
  private String host;

  @BeforeEach
  void start() throws IOException {
    server = new PlainHttpOnlyServer(404, Map.of(), new byte[0]);
    host = server.address();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private RegistryClient client(Security security) {
    return RegistryClient.builder()
        .settings(RegistrySettings.builder().security(host, security).build())
        .build();
  }

  @Test
  void anInsecureRegistryIsKnownToSpeakPlainHttpOnceATlsAttemptFailed() {
    RegistryClient client = client(Security.INSECURE);
    assertThat(client.speaksPlainHttp(host)).as("nothing asked yet").isFalse();

    assertThatThrownBy(() -> client.listTags(ImageReference.parseRepository(host + "/team/app")))
        .isInstanceOf(RegistryException.class);

    assertThat(server.connections)
        .as("tried over TLS, then plain HTTP")
        .startsWith("TLS")
        .endsWith("HTTP");
    assertThat(client.speaksPlainHttp(host)).isTrue();
    assertThat(client.withCredentials(CredentialsProvider.anonymous()).speaksPlainHttp(host))
        .as("views with other credentials share what the client learnt")
        .isTrue();
  }

  @Test
  void aRegistryConfiguredForPlainHttpIsSpokenToSoFromTheStart() {
    assertThat(client(Security.PLAIN_HTTP).speaksPlainHttp(host)).isTrue();
  }

  @Test
  void aRegistryThatAnswersNeitherIsNotTakenForAPlainHttpOne() throws Exception {
    try (PlainHttpOnlyServer silent = PlainHttpOnlyServer.silent()) {
      String address = silent.address();
      RegistryClient client =
          RegistryClient.builder()
              .settings(
                  RegistrySettings.builder()
                      .security(address, Security.INSECURE)
                      .retryPolicy(
                          new RetryPolicy(
                              1,
                              Duration.ofMillis(100),
                              Duration.ofSeconds(1),
                              Duration.ofSeconds(5)))
                      .build())
              .build();

      assertThatThrownBy(
              () -> client.listTags(ImageReference.parseRepository(address + "/team/app")))
          .isInstanceOf(RegistryException.class);

      assertThat(silent.connections).as("tried both ways").contains("TLS", "HTTP");
      assertThat(client.speaksPlainHttp(address))
          .as("agents are told plain HTTP only once it answered so")
          .isFalse();
    }
  }
}
