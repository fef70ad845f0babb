package io.dockmaster.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens by registry, scope and credentials. The credentials are part of the key so that a
 * client shared between namespaces never hands one namespace's token to another.
 */
final class TokenCache {

  /** The token spec's minimum lifetime, used when the token server says nothing. */
  static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);

  /** Tokens are dropped this long before they expire so a request never races the expiry. */
  private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(5);

  private record Key(String registry, String scope, RegistryCredentials credentials) {}

  private record Token(String value, Instant expiresAt) {}

  private final ConcurrentHashMap<Key, Token> tokens = new ConcurrentHashMap<>();
  private final Clock clock;

  TokenCache(Clock clock) {
    this.clock = clock;
  }

  Optional<String> get(String registry, String scope, RegistryCredentials credentials) {
    Key key = new Key(registry, scope, credentials);
    Token token = tokens.get(key);
    if (token == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(token.expiresAt())) {
      tokens.remove(key, token);
      return Optional.empty();
    }
    return Optional.of(token.value());
  }

  /**
   * @param lifetime as the token server reported it; below the spec's 60 s minimum counts as 60 s
   */
  void put(
      String registry,
      String scope,
      RegistryCredentials credentials,
      String token,
      Duration lifetime) {
    Duration effective = lifetime.compareTo(DEFAULT_LIFETIME) < 0 ? DEFAULT_LIFETIME : lifetime;
    Instant expiresAt = clock.instant().plus(effective).minus(EXPIRY_MARGIN);
    tokens.put(new Key(registry, scope, credentials), new Token(token, expiresAt));
  }

  void invalidate(String registry, String scope, RegistryCredentials credentials) {
    tokens.remove(new Key(registry, scope, credentials));
  }

  int size() {
    return tokens.size();
  }
}
