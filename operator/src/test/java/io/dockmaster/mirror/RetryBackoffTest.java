package io.dockmaster.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {

  private final RetryBackoff backoff =
      new RetryBackoff(Duration.ofSeconds(15), Duration.ofMinutes(10));
  private final Duration hour = Duration.ofHours(1);

  @Test
  void doublesUpToTheCapAndResetsOnSuccess() {
    assertThat(backoff.failed("a", hour)).isEqualTo(Duration.ofSeconds(15));
    assertThat(backoff.failed("a", hour)).isEqualTo(Duration.ofSeconds(30));
    assertThat(backoff.failed("a", hour)).isEqualTo(Duration.ofSeconds(60));
    for (int i = 0; i < 30; i++) {
      backoff.failed("a", hour);
    }
    assertThat(backoff.failed("a", hour)).isEqualTo(Duration.ofMinutes(10));

    backoff.succeeded("a");
    assertThat(backoff.failed("a", hour)).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void neverWaitsLongerThanTheRefreshInterval() {
    for (int i = 0; i < 10; i++) {
      backoff.failed("b", Duration.ofMinutes(1));
    }
    assertThat(backoff.failed("b", Duration.ofMinutes(1))).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void keepsResourcesApart() {
    backoff.failed("c", hour);
    backoff.failed("c", hour);

    assertThat(backoff.failed("d", hour)).isEqualTo(Duration.ofSeconds(15));
  }
}
