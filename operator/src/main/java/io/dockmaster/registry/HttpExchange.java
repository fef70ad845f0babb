package io.dockmaster.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one HTTP request with bounded retries. Statuses that retries cannot fix are returned to the
 * caller; connection failures and exhausted 429/5xx become {@link RegistryException}s.
 */
final class HttpExchange {

  private static final Logger LOG = LoggerFactory.getLogger(HttpExchange.class);
  private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

  private final HttpClient verifying;
  private final HttpClient trustingAll;
  private final RetryPolicy retryPolicy;
  private final Sleeper sleeper;
  private final Clock clock;
  private final DoubleSupplier random;

  HttpExchange(
      HttpClient verifying,
      HttpClient trustingAll,
      RetryPolicy retryPolicy,
      Sleeper sleeper,
      Clock clock,
      DoubleSupplier random) {
    this.verifying = verifying;
    this.trustingAll = trustingAll;
    this.retryPolicy = retryPolicy;
    this.sleeper = sleeper;
    this.clock = clock;
    this.random = random;
  }

  /** HTTP clients that never follow redirects themselves: we drop credentials across hosts. */
  static HttpExchange create(
      RegistrySettings settings, Sleeper sleeper, Clock clock, DoubleSupplier random) {
    HttpClient verifying =
        HttpClient.newBuilder()
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    HttpClient trustingAll =
        HttpClient.newBuilder()
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .sslContext(trustAllContext())
            .build();
    return new HttpExchange(verifying, trustingAll, settings.retryPolicy(), sleeper, clock, random);
  }

  /**
   * Sends {@code request}, retrying connection failures, 429 and 5xx with backoff.
   *
   * @throws RegistryException UNREACHABLE or RATE_LIMITED once retries are exhausted
   */
  HttpResponse<InputStream> send(HttpRequest request, boolean skipTlsVerify, Target target) {
    HttpClient client = skipTlsVerify ? trustingAll : verifying;
    String host = request.uri().getAuthority();
    for (int attempt = 1; ; attempt++) {
      HttpResponse<InputStream> response;
      try {
        response = client.send(request, answered -> new ReadAheadBody());
      } catch (SSLException e) {
        // A handshake failure is configuration, not a blip: retrying cannot fix it.
        throw RegistryErrors.forIo(target, host, e, attempt);
      } catch (IOException e) {
        if (!retryPolicy.canRetry(attempt)) {
          throw RegistryErrors.forIo(target, host, e, attempt);
        }
        LOG.debug(
            "{} {} failed ({}), attempt {} of {}",
            request.method(),
            redacted(request.uri()),
            RegistryErrors.describe(e),
            attempt,
            retryPolicy.maxAttempts());
        pause(retryPolicy.backoff(attempt, random), target);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw interrupted(target);
      }
      int status = response.statusCode();
      if (!RetryPolicy.isRetryableStatus(status)) {
        return response;
      }
      byte[] body = readErrorBody(response);
      Duration backoff = retryPolicy.backoff(attempt, random);
      Optional<Duration> delay = Optional.of(backoff);
      Optional<Duration> retryAfter =
          RetryPolicy.parseRetryAfter(
              response.headers().firstValue("Retry-After").orElse(null), clock);
      if (retryAfter.isPresent()) {
        delay = retryPolicy.honorRetryAfter(retryAfter.get(), backoff);
      }
      if (!retryPolicy.canRetry(attempt) || delay.isEmpty()) {
        throw RegistryErrors.forStatus(target, status, body, false, attempt);
      }
      LOG.debug(
          "{} {} answered {}, attempt {} of {}, retrying in {} ms",
          request.method(),
          redacted(request.uri()),
          status,
          attempt,
          retryPolicy.maxAttempts(),
          delay.get().toMillis());
      pause(delay.get(), target);
    }
  }

  /** Without the query: presigned storage URLs carry their signature there. */
  static String redacted(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
  }

  /** Reads a bounded prefix of an error response's body and releases the connection. */
  static byte[] readErrorBody(HttpResponse<InputStream> response) {
    try (InputStream body = response.body()) {
      return body.readNBytes(MAX_ERROR_BODY_BYTES);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private void pause(Duration delay, Target target) {
    try {
      sleeper.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted(target);
    }
  }

  private static RegistryException interrupted(Target target) {
    return new RegistryException(
        RegistryException.Kind.UNREACHABLE,
        target.registry(),
        "request to registry " + target.registry() + " for " + target.what() + " was interrupted");
  }

  /**
   * For {@link RegistrySettings.Security#INSECURE}: accepts any certificate for any host name. The
   * extended trust manager matters: JSSE adds hostname checks around a plain X509TrustManager.
   */
  private static SSLContext trustAllContext() {
    TrustManager trustAll =
        new X509ExtendedTrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {}

          @Override
          public void checkClientTrusted(
              X509Certificate[] chain, String authType, SSLEngine engine) {}

          @Override
          public void checkServerTrusted(
              X509Certificate[] chain, String authType, SSLEngine engine) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS is not available in this Java runtime", e);
    }
  }
}
