package io.dockmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.agent.AgentSettings;
import io.dockmaster.agent.ScrubSchedule;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** The agent's flags as picocli parses them into settings. */
class AgentCommandTest {

  private static AgentSettings settings(String... extra) {
    AgentCommand command = new AgentCommand();
    String[] required = {"--node=node-1", "--advertise-address=10.0.0.7"};
    String[] args = new String[required.length + extra.length];
    System.arraycopy(required, 0, args, 0, required.length);
    System.arraycopy(extra, 0, args, required.length, extra.length);
    new CommandLine(command).parseArgs(args);
    return command.settings();
  }

  @Test
  void theCacheIsScrubbedDailyAt32MiBPerSecondUnlessTold() {
    assertThat(settings().scrub()).isEqualTo(new ScrubSchedule(Duration.ofHours(24), 32L << 20));
    assertThat(settings("--scrub-interval=6", "--scrub-rate=1Gi").scrub())
        .isEqualTo(new ScrubSchedule(Duration.ofHours(6), 1L << 30));
    assertThat(settings("--scrub-interval=0").scrub().enabled()).isFalse();
  }

  @Test
  void aScrubWithoutARateNamesTheFlagAndTheWayToTurnItOff() {
    assertThatThrownBy(() -> settings("--scrub-rate=0"))
        .isInstanceOf(ParameterException.class)
        .hasMessage(
            "--scrub-rate must be above 0 while scrubbing is on; to turn scrubbing off, pass"
                + " --scrub-interval=0");
    assertThatThrownBy(() -> settings("--scrub-rate=fast"))
        .isInstanceOf(ParameterException.class)
        .hasMessage("--scrub-rate must be a quantity like 100Mi or 1G, got \"fast\"");
  }

  @Test
  void aRelayIsHeldToItsSlowestPeerWithinFourMiBUnlessTold() {
    assertThat(settings().relayWindowBytes())
        .isEqualTo(AgentSettings.DEFAULT_RELAY_WINDOW_BYTES)
        .isEqualTo(4L << 20);
    assertThat(settings("--relay-window=16Mi").relayWindowBytes()).isEqualTo(16L << 20);
    assertThat(settings("--relay-window=0").relayWindowBytes()).isZero();
    assertThatThrownBy(() -> settings("--relay-window=wide"))
        .isInstanceOf(ParameterException.class)
        .hasMessage("--relay-window must be a quantity like 100Mi or 1G, got \"wide\"");
  }
}
