package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeAgentTest {

  @Test
  void aRelayAnswersBeforeTheAskingPeerGivesUpOnIt() {
    // The stall timeout is 30 s by default, twice what a peer waits for an answer.
    Duration wait = NodeAgent.relayWait(Duration.ofSeconds(30));
    assertThat(wait).isLessThan(NodeAgent.PEER_RESPONSE_TIMEOUT.minusSeconds(2));
    // Still long enough for the relay's own order, sent alongside the asker's, to start.
    assertThat(wait).isGreaterThan(Duration.ofSeconds(5));
  }

  @Test
  void aRelayNeverWaitsLongerThanItsOwnStallTimeout() {
    assertThat(NodeAgent.relayWait(Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
  }
}
