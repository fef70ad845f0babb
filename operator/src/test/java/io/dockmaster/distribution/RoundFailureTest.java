package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundFailureTest {

  private static final String NO_SOURCE = "IllegalStateException: no source left";

  @Test
  void aStreakWithOneErrorIsLoggedAtPowersOfTwo() {
    RoundFailure failure = new RoundFailure(Instant.EPOCH, 1, NO_SOURCE);
    List<Integer> logged = new ArrayList<>();
    for (int i = 2; i <= 100; i++) {
      String previous = failure.cause();
      failure = failure.again(NO_SOURCE);
      if (failure.worthLogging(previous)) {
        logged.add(failure.inARow());
      }
    }
    assertThat(logged).containsExactly(2, 4, 8, 16, 32, 64);
    assertThat(failure.since()).as("the streak keeps its start").isEqualTo(Instant.EPOCH);
  }

  @Test
  void aChangedErrorIsLoggedAtOnceAndTheNextAtThePowerOfTwoAfterIt() {
    RoundFailure fifth = new RoundFailure(Instant.EPOCH, 5, "KubernetesClientException: timeout");

    assertThat(fifth.worthLogging(NO_SOURCE)).isTrue();
    assertThat(fifth.worthLogging(fifth.cause())).isFalse();
    assertThat(fifth.nextLogged()).isEqualTo(8);
    assertThat(new RoundFailure(Instant.EPOCH, 8, NO_SOURCE).nextLogged()).isEqualTo(16);
  }
}
