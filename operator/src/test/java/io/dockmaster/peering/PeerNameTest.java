package io.dockmaster.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PeerNameTest {

  @Test
  void readsTheOperatorAndAgents() {
    assertThat(PeerName.parse("dockmaster-operator").isOperator()).isTrue();
    PeerName agent = PeerName.parse("dockmaster-agent:ip-10-0-1-2.eu-west-1.compute.internal");
    assertThat(agent.isOperator()).isFalse();
    assertThat(agent.node()).contains("ip-10-0-1-2.eu-west-1.compute.internal");
    assertThat(agent.commonName())
        .isEqualTo("dockmaster-agent:ip-10-0-1-2.eu-west-1.compute.internal");
    assertThat(agent).isEqualTo(PeerName.agent("ip-10-0-1-2.eu-west-1.compute.internal"));
    assertThat(PeerName.operator().node()).isEmpty();
  }

  @Test
  void refusesOtherNames() {
    assertThatThrownBy(() -> PeerName.parse("kubelet"))
        .hasMessage(
            "common name \"kubelet\" is neither dockmaster-operator nor dockmaster-agent:<node name>");
    assertThatThrownBy(() -> PeerName.parse("dockmaster-agent:"))
        .hasMessage("node name must not be empty");
    assertThatThrownBy(() -> PeerName.agent("node-1."))
        .hasMessageStartingWith("\"node-1.\" is not a Kubernetes node name");
    assertThatThrownBy(() -> PeerName.agent("a".repeat(254))).hasMessageContaining("at most 253");
  }
}
