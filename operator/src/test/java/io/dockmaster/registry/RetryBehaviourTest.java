package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.dockmaster.registry.RegistryException.Kind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries, rate limits and redirects through real HTTP, against a scripted in-process server: no
 * real registry can be made to answer 503 or 429 on demand.
 */
class RetryBehaviourTest {

  private record Scripted(int status, String retryAfter, String location, String body) {}

  private final Deque<Scripted> script = new ArrayDeque<>();
  private final List<String> seenAuthorization = new ArrayList<>();
  private final List<String> seenPaths = new ArrayList<>();
  private final List<Duration> sleeps = new ArrayList<>();
  private HttpServer server;
  private String host;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            seenPaths.add(exchange.getRequestURI().toString());
            seenAuthorization.add(
                String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            Scripted next = script.isEmpty() ? new Scripted(500, null, null, "") : script.poll();
            if (next.retryAfter() != null) {
              exchange.getResponseHeaders().set("Retry-After", next.retryAfter());
            }
            if (next.location() != null) {
              exchange.getResponseHeaders().set("Location", next.location());
            }
            byte[] body = next.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(
                next.status(), head || body.length == 0 ? -1 : body.length);
            if (!head) {
              exchange.getResponseBody().write(body);
            }
          }
        });
    server.start();
    host = "127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private RegistryClient client(int maxAttempts, CredentialsProvider credentials) {
    return RegistryClient.builder()
        .settings(
            RegistrySettings.builder()
                .security(host, RegistrySettings.Security.PLAIN_HTTP)
                .retryPolicy(
                    new RetryPolicy(
                        maxAttempts,
                        Duration.ofMillis(100),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(5)))
                .build())
        .credentials(credentials)
        .sleeper(sleeps::add)
        .random(() -> 0.0)
        .build();
  }

  private void answer(int status) {
    script.add(new Scripted(status, null, null, ""));
  }

  private static String tagsBody(String... tags) {
    return "{\"name\":\"team/app\",\"tags\":[\"" + String.join("\",\"", tags) + "\"]}";
  }

  @Test
  void retriesServerErrorsWithGrowingBackoffThenSucceeds() {
    answer(503);
    answer(500);
    script.add(new Scripted(200, null, null, tagsBody("1")));

    List<String> tags =
        client(4, CredentialsProvider.anonymous())
            .listTags(ImageReference.parseRepository(host + "/team/app"));

    assertThat(tags).containsExactly("1");
    assertThat(seenPaths).hasSize(3);
    assertThat(sleeps).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void givesUpAfterMaxAttempts() {
    answer(503);
    answer(503);
    answer(503);

    assertThatThrownBy(
            () ->
                client(3, CredentialsProvider.anonymous())
                    .listTags(ImageReference.parseRepository(host + "/team/app")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
        .hasMessage(
            "registry "
                + host
                + " is unavailable for tags of repository team/app"
                + " (503 Service Unavailable) after 3 attempts");
    assertThat(seenPaths).hasSize(3);
  }

  @Test
  void honorsRetryAfterOn429() {
    script.add(new Scripted(429, "2", null, ""));
    script.add(new Scripted(200, null, null, tagsBody("1")));

    client(3, CredentialsProvider.anonymous())
        .listTags(ImageReference.parseRepository(host + "/team/app"));

    assertThat(sleeps).containsExactly(Duration.ofSeconds(2));
  }

  @Test
  void retryAfterLongerThanWeWaitIsRateLimitedAtOnce() {
    script.add(
        new Scripted(
            429,
            "3600",
            null,
            "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"pull rate limit\"}]}"));

    assertThatThrownBy(
            () ->
                client(5, CredentialsProvider.anonymous())
                    .fetchManifest(ImageReference.parse(host + "/team/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED))
        .hasMessage(
            "registry "
                + host
                + " rate-limited requests for manifest team/app:1"
                + " (429 Too Many Requests, TOOMANYREQUESTS: pull rate limit)");
    assertThat(seenPaths).hasSize(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void clientErrorsAreNeverRetried() {
    answer(400);

    assertThatThrownBy(
            () ->
                client(5, CredentialsProvider.anonymous())
                    .fetchManifest(ImageReference.parse(host + "/team/app:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL));
    assertThat(seenPaths).hasSize(1);
  }

  @Test
  void forbiddenIsReportedAsSuch() {
    script.add(
        new Scripted(403, null, null, "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no\"}]}"));

    assertThatThrownBy(
            () ->
                client(5, CredentialsProvider.anonymous())
                    .listTags(ImageReference.parseRepository(host + "/team/app")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN))
        .hasMessage(
            "registry "
                + host
                + " denied access to repository team/app (403 Forbidden, DENIED: no)");
  }

  @Test
  void redirectsAreFollowedWithoutCredentialsOffTheRegistryHost() {
    String storage = "http://localhost:" + server.getAddress().getPort();
    script.add(new Scripted(307, null, storage + "/storage/blob?X-Signature=secret", ""));
    script.add(new Scripted(200, null, null, tagsBody("1")));
    CredentialsProvider token =
        repository -> java.util.Optional.of(RegistryCredentials.registryToken("tok"));

    client(1, token).listTags(ImageReference.parseRepository(host + "/team/app"));

    assertThat(seenPaths)
        .containsExactly("/v2/team/app/tags/list", "/storage/blob?X-Signature=secret");
    assertThat(seenAuthorization).containsExactly("Bearer tok", "null");
  }

  @Test
  void challengesFromARedirectTargetAreNotAnswered() {
    String storage = "http://localhost:" + server.getAddress().getPort();
    script.add(new Scripted(307, null, storage + "/storage/blob", ""));
    server.createContext(
        "/storage",
        exchange -> {
          try (exchange) {
            seenPaths.add(exchange.getRequestURI().toString());
            exchange
                .getResponseHeaders()
                .set("WWW-Authenticate", "Bearer realm=\"" + storage + "/steal\",service=x");
            exchange.sendResponseHeaders(401, -1);
          }
        });
    CredentialsProvider basic =
        repository -> java.util.Optional.of(RegistryCredentials.basic("user", "pw"));

    assertThatThrownBy(
            () -> client(1, basic).listTags(ImageReference.parseRepository(host + "/team/app")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED));
    assertThat(seenPaths).containsExactly("/v2/team/app/tags/list", "/storage/blob");
  }

  @Test
  void redirectLoopsAreBounded() {
    for (int i = 0; i < 20; i++) {
      script.add(new Scripted(302, null, "/v2/team/app/tags/list", ""));
    }

    assertThatThrownBy(
            () ->
                client(1, CredentialsProvider.anonymous())
                    .listTags(ImageReference.parseRepository(host + "/team/app")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("more than 10 redirects");
  }

  @Test
  void headWithoutDigestFallsBackToGetAndVerifiesContent() {
    String manifest =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"sha256:"
            + "1".repeat(64)
            + "\"},\"layers\":[]}";
    answer(200);
    script.add(new Scripted(200, null, null, manifest));

    Descriptor resolved =
        client(1, CredentialsProvider.anonymous())
            .resolve(ImageReference.parse(host + "/team/app:1"));

    assertThat(resolved.digest())
        .isEqualTo(Digest.sha256(manifest.getBytes(StandardCharsets.UTF_8)));
    assertThat(resolved.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(seenPaths).hasSize(2);
  }
}
