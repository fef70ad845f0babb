package io.dockmaster.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  // Shaped like an agent's /metrics (Micrometer's Prometheus registry).
  private static final String AGENT =
      """
      # HELP dockmaster_agent_bytes_total Blob bytes by flow
      # TYPE dockmaster_agent_bytes_total counter
      dockmaster_agent_bytes_total{flow="peer"} 100.0
      dockmaster_agent_bytes_total{flow="served_runtime"} 4196352.0
      dockmaster_agent_bytes_total{flow="served_peer"} 7.0
      dockmaster_agent_bytes_total{flow="upstream"} 1.0E3
      dockmaster_agent_bytes_total_extra{flow="served_runtime"} 5.0
      dockmaster_agent_transfers_active 2.0
      """;

  @Test
  void sumsEverySampleOfANameAndNoLongerName() {
    assertThat(PrometheusText.sum(AGENT, "dockmaster_agent_bytes_total"))
        .isEqualTo(100 + 4196352 + 7 + 1000);
    assertThat(PrometheusText.sum(AGENT, "dockmaster_agent_transfers_active")).isEqualTo(2);
  }

  @Test
  void sumsOnlyTheSamplesCarryingALabel() {
    assertThat(PrometheusText.sum(AGENT, "dockmaster_agent_bytes_total", "flow=\"served_runtime\""))
        .isEqualTo(4196352);
    assertThat(PrometheusText.sum(AGENT, "dockmaster_agent_bytes_total", "flow=\"served\""))
        .isZero();
    assertThat(PrometheusText.sum(AGENT, "dockmaster_agent_transfers_active", "flow=\"peer\""))
        .isZero();
  }
}
