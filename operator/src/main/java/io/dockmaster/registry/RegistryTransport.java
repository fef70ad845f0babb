package io.dockmaster.registry;

import io.dockmaster.registry.RegistrySettings.Security;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a request to a registry answered: picks the scheme, authenticates (up front when the
 * registry challenged before, else after its 401), and follows redirects, dropping credentials when
 * a redirect leaves the registry's host (blobs are often redirected to object storage that rejects
 * or would leak them).
 */
final class RegistryTransport {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryTransport.class);
  private static final int MAX_REDIRECTS = 10;
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

  /** One registry API call. {@code uri} is absolute; {@link #apiUri} builds it for a path. */
  /**
   * @param fromByte asks for the content from this byte on ({@code Range: bytes=N-}); 0 for all of
   *     it
   * @param toByte the last byte wanted ({@code Range: bytes=N-M}), or -1 for up to the end
   */
  record Call(
      String method,
      URI uri,
      List<String> accept,
      String scope,
      Target target,
      long fromByte,
      long toByte) {

    Call(String method, URI uri, List<String> accept, String scope, Target target) {
      this(method, uri, accept, scope, target, 0, -1);
    }

    boolean asksRange() {
      return fromByte > 0 || toByte >= 0;
    }
  }

  /** The final answer and where it came from, for resolving relative {@code Link} headers. */
  record Answer(HttpResponse<InputStream> response, URI uri, boolean sentCredentials) {

    int status() {
      return response.statusCode();
    }
  }

  private final RegistrySettings settings;
  private final HttpExchange exchange;
  private final Authenticator authenticator;
  private final Set<String> fallbackToHttp = ConcurrentHashMap.newKeySet();

  RegistryTransport(RegistrySettings settings, HttpExchange exchange, Authenticator authenticator) {
    this.settings = settings;
    this.exchange = exchange;
    this.authenticator = authenticator;
  }

  /**
   * Whether requests to {@code registry} go over plain HTTP: it is configured so, or, insecure, it
   * failed a TLS handshake and then answered over plain HTTP.
   */
  boolean speaksPlainHttp(String registry) {
    Security security = settings.securityFor(registry);
    return security == Security.PLAIN_HTTP
        || security == Security.INSECURE
            && fallbackToHttp.contains(ImageReference.apiHostOf(registry));
  }

  /** {@code pathAndQuery} (starting with {@code /v2/}) on the API host of {@code registry}. */
  URI apiUri(String registry, String pathAndQuery) {
    String host = ImageReference.apiHostOf(registry);
    String scheme =
        switch (settings.securityFor(registry)) {
          case PLAIN_HTTP -> "http";
          case TLS -> "https";
          case INSECURE -> fallbackToHttp.contains(host) ? "http" : "https";
        };
    return URI.create(scheme + "://" + host + pathAndQuery);
  }

  /**
   * Sends {@code call}, answering at most one auth challenge. Non-success statuses are returned;
   * the caller knows what a 404 means for its resource.
   */
  Answer send(Call call, RegistryCredentials credentials) {
    boolean hasCredentials = credentials != null && !credentials.isEmpty();
    Optional<String> authorization =
        authenticator.preemptive(call.scope(), call.target(), credentials);
    Answer answer = sendFollowingRedirects(call, authorization, hasCredentials);
    String registryHost = ImageReference.apiHostOf(call.target().registry());
    // Only the registry's own challenges get answered: a redirect target must not be able to
    // make us send the registry's credentials to a realm of its choosing.
    if (answer.status() != 401 || !registryHost.equalsIgnoreCase(answer.uri().getAuthority())) {
      return answer;
    }
    List<AuthChallenge> challenges =
        answer.response().headers().allValues("WWW-Authenticate").stream()
            .flatMap(value -> AuthChallenge.parse(value).stream())
            .toList();
    HttpExchange.readErrorBody(answer.response());
    String response =
        authenticator.respond(
            challenges, call.scope(), call.target(), credentials, authorization.isPresent());
    return sendFollowingRedirects(call, Optional.of(response), hasCredentials);
  }

  private Answer sendFollowingRedirects(
      Call call, Optional<String> authorization, boolean hasCredentials) {
    String registryHost = ImageReference.apiHostOf(call.target().registry());
    URI uri = call.uri();
    String scheme = uri.getScheme();
    String method = call.method();
    for (int hop = 0; ; hop++) {
      // Credentials follow a redirect only to the same host over the same scheme: an https
      // registry redirecting to its own http port must not receive them in cleartext.
      boolean onRegistry =
          registryHost.equalsIgnoreCase(uri.getAuthority())
              && scheme.equalsIgnoreCase(uri.getScheme());
      Optional<String> auth = onRegistry ? authorization : Optional.empty();
      HttpResponse<InputStream> response = sendWithFallback(call, method, uri, auth, onRegistry);
      uri = response.request().uri();
      Optional<String> location = response.headers().firstValue("Location");
      if (!REDIRECTS.contains(response.statusCode()) || location.isEmpty()) {
        return new Answer(response, uri, hasCredentials && auth.isPresent());
      }
      HttpExchange.readErrorBody(response);
      if (hop >= MAX_REDIRECTS) {
        throw RegistryErrors.protocol(
            call.target(), "more than " + MAX_REDIRECTS + " redirects for " + call.target().what());
      }
      URI next;
      try {
        next = uri.resolve(location.get());
      } catch (IllegalArgumentException e) {
        throw RegistryErrors.protocol(call.target(), "a redirect to an invalid location");
      }
      if (response.statusCode() == 303) {
        method = "GET";
      }
      LOG.debug("{} redirected to host {}", call.target().what(), next.getAuthority());
      uri = next;
    }
  }

  private HttpResponse<InputStream> sendWithFallback(
      Call call, String method, URI uri, Optional<String> auth, boolean onRegistry) {
    Security security = settings.securityFor(call.target().registry());
    boolean skipTlsVerify = onRegistry && security != Security.TLS;
    try {
      return exchange.send(request(call, method, uri, auth), skipTlsVerify, call.target());
    } catch (RegistryException e) {
      boolean tlsFailed = e.getCause() instanceof SSLException;
      if (!(tlsFailed && onRegistry && security == Security.INSECURE && isHttps(uri))) {
        throw e;
      }
      // An insecure registry that does not speak TLS: once it answers over plain HTTP, remember,
      // and use plain HTTP from now on (agents are told too, see speaksPlainHttp).
      URI plain = URI.create("http" + uri.toString().substring("https".length()));
      HttpResponse<InputStream> answer =
          exchange.send(request(call, method, plain, auth), false, call.target());
      if (fallbackToHttp.add(uri.getAuthority())) {
        LOG.info("registry {} does not speak TLS, using plain HTTP", call.target().registry());
      }
      return answer;
    }
  }

  private HttpRequest request(Call call, String method, URI uri, Optional<String> auth) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .timeout(settings.requestTimeout())
            .header("User-Agent", settings.userAgent())
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (!isHttps(uri)) {
      // Plain-HTTP HTTP/2 means an h2c upgrade dance that registries and proxies handle badly.
      builder.version(HttpClient.Version.HTTP_1_1);
    }
    if (!call.accept().isEmpty()) {
      builder.header("Accept", String.join(", ", call.accept()));
    }
    if (call.asksRange()) {
      builder.header(
          "Range", "bytes=" + call.fromByte() + "-" + (call.toByte() >= 0 ? call.toByte() : ""));
    }
    auth.ifPresent(value -> builder.header("Authorization", value));
    return builder.build();
  }

  private static boolean isHttps(URI uri) {
    return "https".equalsIgnoreCase(uri.getScheme());
  }
}
