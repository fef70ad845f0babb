package io.dockmaster.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers registry auth challenges: Basic with the stored credentials, or Bearer by fetching a
 * token from the challenge's realm (docker's token protocol, and its OAuth2 refresh-token form for
 * identity tokens). Remembers each registry's challenge so later requests authenticate up front
 * instead of paying a 401 round trip. Tokens and credentials are never logged.
 */
final class Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
  private static final String CLIENT_ID = "dockmaster";

  private final HttpExchange exchange;
  private final TokenCache tokens;
  private final RegistrySettings settings;
  private final ConcurrentHashMap<String, AuthChallenge> challenges = new ConcurrentHashMap<>();

  Authenticator(HttpExchange exchange, TokenCache tokens, RegistrySettings settings) {
    this.exchange = exchange;
    this.tokens = tokens;
    this.settings = settings;
  }

  /**
   * The Authorization header to send before any challenge, if this registry challenged before or
   * the credentials are a ready-made registry token.
   */
  Optional<String> preemptive(String scope, Target target, RegistryCredentials credentials) {
    if (credentials != null && credentials.registryTokenValue().isPresent()) {
      return credentials.registryTokenValue().map(token -> "Bearer " + token);
    }
    AuthChallenge known = challenges.get(target.registry());
    if (known == null) {
      return Optional.empty();
    }
    return authorize(known, scope, target, credentials);
  }

  /**
   * The Authorization header answering a 401's challenges.
   *
   * @param rejected whether the previous request already carried our authorization, in which case a
   *     cached token is stale and must not be reused
   * @throws RegistryException UNAUTHORIZED if the registry wants credentials we do not have
   */
  String respond(
      List<AuthChallenge> offered,
      String scope,
      Target target,
      RegistryCredentials credentials,
      boolean rejected) {
    boolean hasCredentials = credentials != null && !credentials.isEmpty();
    if (offered.isEmpty()) {
      throw RegistryErrors.forStatus(target, 401, null, hasCredentials, 1);
    }
    AuthChallenge challenge =
        offered.stream()
            .filter(c -> c.scheme().equals(AuthChallenge.BEARER))
            .findFirst()
            .or(
                () ->
                    offered.stream()
                        .filter(c -> c.scheme().equals(AuthChallenge.BASIC))
                        .findFirst())
            .orElseThrow(
                () ->
                    RegistryErrors.protocol(
                        target,
                        "an unsupported authentication scheme \""
                            + RegistryErrors.sanitize(offered.get(0).scheme())
                            + "\""));
    challenges.put(target.registry(), challenge);
    if (rejected) {
      tokens.invalidate(target.registry(), scope, credentials);
    }
    return authorize(challenge, scope, target, credentials)
        .orElseThrow(() -> RegistryErrors.forStatus(target, 401, null, false, 1));
  }

  private Optional<String> authorize(
      AuthChallenge challenge, String scope, Target target, RegistryCredentials credentials) {
    if (challenge.scheme().equals(AuthChallenge.BASIC)) {
      return credentials == null ? Optional.empty() : credentials.basicAuthorization();
    }
    Optional<String> cached = tokens.get(target.registry(), scope, credentials);
    if (cached.isPresent()) {
      return cached.map(token -> "Bearer " + token);
    }
    return Optional.of("Bearer " + fetchToken(challenge, scope, target, credentials));
  }

  private String fetchToken(
      AuthChallenge challenge, String scope, Target target, RegistryCredentials credentials) {
    String realm =
        challenge
            .realm()
            .orElseThrow(() -> RegistryErrors.protocol(target, "a Bearer challenge without realm"));
    URI realmUri;
    try {
      realmUri = URI.create(realm);
    } catch (IllegalArgumentException e) {
      throw RegistryErrors.protocol(target, "a Bearer challenge with an invalid realm");
    }
    if (realmUri.getScheme() == null
        || !(realmUri.getScheme().equals("https") || realmUri.getScheme().equals("http"))) {
      throw RegistryErrors.protocol(target, "a Bearer challenge with a non-HTTP realm");
    }
    boolean registryVerifiesTls =
        settings.securityFor(target.registry()) == RegistrySettings.Security.TLS;
    if (registryVerifiesTls && realmUri.getScheme().equals("http")) {
      // Credentials would travel in cleartext to wherever the registry pointed us.
      throw RegistryErrors.protocol(
          target, "a Bearer challenge whose token realm " + realm + " is not HTTPS");
    }
    String service = challenge.service().orElse("");
    Optional<String> refreshToken =
        credentials == null ? Optional.empty() : credentials.identityTokenValue();
    HttpRequest request =
        refreshToken.isPresent()
            ? refreshTokenRequest(realmUri, service, scope, refreshToken.get())
            : tokenRequest(realmUri, service, scope, credentials);
    Target tokenTarget =
        new Target(target.registry(), target.repository(), "a token for " + target.what());
    // The realm's own host decides: an insecure registry does not make its token server so.
    String realmHost =
        realmUri.getPort() < 0 ? realmUri.getHost() : realmUri.getHost() + ":" + realmUri.getPort();
    boolean skipTls =
        !registryVerifiesTls && settings.securityFor(realmHost) != RegistrySettings.Security.TLS;
    HttpResponse<InputStream> response = exchange.send(request, skipTls, tokenTarget);
    int status = response.statusCode();
    if (status != 200) {
      byte[] body = HttpExchange.readErrorBody(response);
      boolean sentCredentials = credentials != null && !credentials.isEmpty();
      throw RegistryErrors.forStatus(tokenTarget, status, body, sentCredentials, 1);
    }
    TokenResponse token = parseToken(response, tokenTarget);
    LOG.debug(
        "got a token for {} scope {} valid {} s",
        target.registry(),
        scope,
        token.lifetime().toSeconds());
    tokens.put(target.registry(), scope, credentials, token.value(), token.lifetime());
    return token.value();
  }

  private HttpRequest tokenRequest(
      URI realm, String service, String scope, RegistryCredentials credentials) {
    StringBuilder query = new StringBuilder();
    appendParam(query, "service", service);
    appendParam(query, "scope", scope);
    appendParam(query, "client_id", CLIENT_ID);
    String separator = realm.getRawQuery() == null ? "?" : "&";
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(realm + separator + query))
            .timeout(settings.requestTimeout())
            .header("User-Agent", settings.userAgent())
            .GET();
    if (credentials != null) {
      credentials.basicAuthorization().ifPresent(value -> builder.header("Authorization", value));
    }
    return builder.build();
  }

  private HttpRequest refreshTokenRequest(
      URI realm, String service, String scope, String refreshToken) {
    StringBuilder form = new StringBuilder();
    appendParam(form, "grant_type", "refresh_token");
    appendParam(form, "refresh_token", refreshToken);
    appendParam(form, "service", service);
    appendParam(form, "scope", scope);
    appendParam(form, "client_id", CLIENT_ID);
    return HttpRequest.newBuilder(realm)
        .timeout(settings.requestTimeout())
        .header("User-Agent", settings.userAgent())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
        .build();
  }

  private static void appendParam(StringBuilder out, String name, String value) {
    if (value.isEmpty()) {
      return;
    }
    if (out.length() > 0) {
      out.append('&');
    }
    out.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  private record TokenResponse(String value, Duration lifetime) {}

  private static TokenResponse parseToken(HttpResponse<InputStream> response, Target target) {
    JsonNode json;
    try (InputStream body = response.body()) {
      byte[] bytes = body.readNBytes(MAX_TOKEN_RESPONSE_BYTES);
      json = JSON.readTree(bytes);
    } catch (IOException e) {
      throw RegistryErrors.protocol(target, "a token response that is not JSON");
    }
    // Docker's token spec says "token"; OAuth2 servers say "access_token". Some send both.
    String token = json == null ? "" : json.path("token").asText("");
    if (token.isEmpty() && json != null) {
      token = json.path("access_token").asText("");
    }
    if (token.isEmpty()) {
      throw RegistryErrors.protocol(target, "a token response without a token");
    }
    long expiresIn = json.path("expires_in").asLong(0);
    Duration lifetime = expiresIn > 0 ? Duration.ofSeconds(expiresIn) : TokenCache.DEFAULT_LIFETIME;
    return new TokenResponse(token, lifetime);
  }
}
