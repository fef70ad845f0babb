package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.RegistrySettings.Security;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RegistrySettingsTest {

  @Test
  void loopbackRegistriesDefaultToInsecureOthersToTls() {
    RegistrySettings settings = RegistrySettings.defaults();

    assertThat(settings.securityFor("localhost:5000")).isEqualTo(Security.INSECURE);
    assertThat(settings.securityFor("127.0.0.1:5000")).isEqualTo(Security.INSECURE);
    assertThat(settings.securityFor("[::1]:5000")).isEqualTo(Security.INSECURE);
    assertThat(settings.securityFor("docker.io")).isEqualTo(Security.TLS);
    assertThat(settings.securityFor("127.example.com")).isEqualTo(Security.TLS);
  }

  @Test
  void configuredSecurityWinsAndHostsAreNormalized() {
    RegistrySettings settings =
        RegistrySettings.builder()
            .insecure("Registry.Internal:5000")
            .security("localhost:5000", Security.PLAIN_HTTP)
            .security("index.docker.io", Security.TLS)
            .connectTimeout(Duration.ofSeconds(1))
            .build();

    assertThat(settings.securityFor("registry.internal:5000")).isEqualTo(Security.INSECURE);
    assertThat(settings.securityFor("localhost:5000")).isEqualTo(Security.PLAIN_HTTP);
    assertThat(settings.hosts()).containsKey("docker.io");
    assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
  }
}
