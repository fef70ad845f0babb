package io.dockmaster.registry;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach registries: timeouts, retries, and per registry whether TLS is verified.
 *
 * <p>Registries on loopback addresses ({@code localhost}, {@code 127.0.0.0/8}, {@code [::1]})
 * default to {@link Security#INSECURE}, as containerd does for localhost, so local development
 * registries work without configuration. Everything else defaults to verified TLS.
 *
 * @param requestTimeout how long to wait for response headers; a streaming blob body is not bounded
 *     by it
 * @param hosts security per normalized registry host, e.g. {@code 10.0.0.5:5000}
 * @param maxManifestBytes manifests and configs larger than this are refused, like containerd's 4
 *     MiB limit, so a hostile registry cannot exhaust memory
 */
public record RegistrySettings(
    Duration connectTimeout,
    Duration requestTimeout,
    RetryPolicy retryPolicy,
    String userAgent,
    Map<String, Security> hosts,
    long maxManifestBytes) {

  /** Transport security of one registry. */
  public enum Security {
    /** HTTPS with certificate and hostname verification. */
    TLS,
    /** HTTPS without verification, falling back to plain HTTP when the server does not do TLS. */
    INSECURE,
    /** Plain HTTP only. */
    PLAIN_HTTP
  }

  public static final long DEFAULT_MAX_MANIFEST_BYTES = 4L * 1024 * 1024;

  public RegistrySettings {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(retryPolicy, "retryPolicy");
    Objects.requireNonNull(userAgent, "userAgent");
    Map<String, Security> normalized = new HashMap<>();
    hosts.forEach(
        (host, security) -> normalized.put(ImageReference.normalizeRegistry(host), security));
    hosts = Map.copyOf(normalized);
    if (maxManifestBytes <= 0) {
      throw new IllegalArgumentException("maxManifestBytes must be positive");
    }
  }

  public static RegistrySettings defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The security of {@code registry}: configured, else insecure for loopback, else TLS. */
  public Security securityFor(String registry) {
    Security configured = hosts.get(ImageReference.normalizeRegistry(registry));
    if (configured != null) {
      return configured;
    }
    return isLoopback(registry) ? Security.INSECURE : Security.TLS;
  }

  static boolean isLoopback(String registry) {
    String host = registry.toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      return host.startsWith("[::1]");
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    return host.equals("localhost") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  /** Builds settings; unset values keep their defaults. */
  public static final class Builder {
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private String userAgent = "dockmaster";
    private final Map<String, Security> hosts = new HashMap<>();
    private long maxManifestBytes = DEFAULT_MAX_MANIFEST_BYTES;

    private Builder() {}

    public Builder connectTimeout(Duration value) {
      this.connectTimeout = value;
      return this;
    }

    public Builder requestTimeout(Duration value) {
      this.requestTimeout = value;
      return this;
    }

    public Builder retryPolicy(RetryPolicy value) {
      this.retryPolicy = value;
      return this;
    }

    public Builder userAgent(String value) {
      this.userAgent = value;
      return this;
    }

    public Builder security(String registry, Security security) {
      hosts.put(registry, security);
      return this;
    }

    /** Shorthand for {@link Security#INSECURE}. */
    public Builder insecure(String registry) {
      return security(registry, Security.INSECURE);
    }

    public Builder maxManifestBytes(long value) {
      this.maxManifestBytes = value;
      return this;
    }

    public RegistrySettings build() {
      return new RegistrySettings(
          connectTimeout, requestTimeout, retryPolicy, userAgent, hosts, maxManifestBytes);
    }
  }
}
