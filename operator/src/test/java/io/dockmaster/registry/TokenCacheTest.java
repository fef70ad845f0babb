package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenCacheTest {

  private final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final TokenCache cache = new TokenCache(clock);
  private final RegistryCredentials alice = RegistryCredentials.basic("alice", "a");
  private final RegistryCredentials bob = RegistryCredentials.basic("bob", "b");

  @Test
  void returnsTokenUntilShortlyBeforeExpiry() {
    cache.put("reg", "repository:a:pull", alice, "t1", Duration.ofSeconds(300));

    assertThat(cache.get("reg", "repository:a:pull", alice)).contains("t1");
    clock.advance(Duration.ofSeconds(294));
    assertThat(cache.get("reg", "repository:a:pull", alice)).contains("t1");
    clock.advance(Duration.ofSeconds(1));
    assertThat(cache.get("reg", "repository:a:pull", alice)).isEmpty();
    assertThat(cache.size()).isZero();
  }

  @Test
  void shortLifetimesCountAsTheSpecMinimumOfSixtySeconds() {
    cache.put("reg", "s", alice, "t", Duration.ofSeconds(1));

    clock.advance(Duration.ofSeconds(50));
    assertThat(cache.get("reg", "s", alice)).contains("t");
    clock.advance(Duration.ofSeconds(10));
    assertThat(cache.get("reg", "s", alice)).isEmpty();
  }

  @Test
  void tokensAreKeptApartByRegistryScopeAndCredentials() {
    cache.put("reg", "repository:a:pull", alice, "alice-a", Duration.ofMinutes(5));

    assertThat(cache.get("reg", "repository:b:pull", alice)).isEmpty();
    assertThat(cache.get("other", "repository:a:pull", alice)).isEmpty();
    assertThat(cache.get("reg", "repository:a:pull", bob)).isEmpty();
    assertThat(cache.get("reg", "repository:a:pull", null)).isEmpty();
  }

  @Test
  void anonymousTokensAreCachedToo() {
    cache.put("reg", "s", null, "anon", Duration.ofMinutes(5));

    assertThat(cache.get("reg", "s", null)).contains("anon");
  }

  @Test
  void invalidateDropsOneToken() {
    cache.put("reg", "s", alice, "t", Duration.ofMinutes(5));
    cache.put("reg", "s", bob, "u", Duration.ofMinutes(5));

    cache.invalidate("reg", "s", alice);

    assertThat(cache.get("reg", "s", alice)).isEmpty();
    assertThat(cache.get("reg", "s", bob)).contains("u");
  }
}
