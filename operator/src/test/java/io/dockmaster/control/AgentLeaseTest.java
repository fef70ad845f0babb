package io.dockmaster.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgentLeaseTest {

  private static final Instant NOW = Instant.parse("2026-11-28T03:00:00.123456Z");

  @Test
  void aLeaseReadsBackAsTheAgentWroteIt() {
    AgentLease agent =
        new AgentLease(
            "node-1",
            "https://10.0.0.7:30020",
            "linux/arm64",
            1000,
            2000,
            NOW.minusSeconds(60),
            NOW,
            30);

    Lease lease = agent.toLease("dockmaster");

    assertThat(lease.getMetadata().getName()).isEqualTo("dockmaster-agent-node-1");
    assertThat(lease.getMetadata().getLabels())
        .containsEntry(AgentLease.COMPONENT_LABEL, AgentLease.COMPONENT);
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("node-1");
    assertThat(AgentLease.from(lease)).contains(agent);
  }

  @Test
  void whatAnAgentTakesTravelsWithItsLeaseAndAnOlderAgentTakesNothingExtra() {
    AgentLease current =
        new AgentLease(
            "node-1",
            "https://10.0.0.7:30020",
            "linux/amd64",
            0,
            0,
            NOW,
            NOW,
            30,
            java.util.Set.of(AgentLease.PIECES));
    Lease older =
        new AgentLease("n", "https://10.0.0.7:1", "linux/amd64", 0, 0, NOW, NOW, 30).toLease("ns");
    older.getMetadata().getAnnotations().remove("dockmaster.io/features");

    assertThat(current.toLease("ns").getMetadata().getAnnotations())
        .containsEntry("dockmaster.io/features", "pieces");
    assertThat(AgentLease.from(current.toLease("ns")).orElseThrow().takesPieces()).isTrue();
    assertThat(AgentLease.from(older).orElseThrow().takesPieces()).isFalse();
  }

  @Test
  void liveUntilTheLeaseDurationPasses() {
    AgentLease agent = new AgentLease("n", "https://10.0.0.7:1", "linux/amd64", 0, 0, NOW, NOW, 30);

    assertThat(agent.isLive(NOW.plusSeconds(29))).isTrue();
    assertThat(agent.isLive(NOW.plusSeconds(30))).isFalse();
  }

  @Test
  void leasesThatAreNotAgentsAreIgnored() {
    Lease leaderElection =
        new LeaseBuilder()
            .withNewMetadata()
            .withName("dockmaster-operator")
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity("pod-1")
            .endSpec()
            .build();
    Lease plainHttp =
        new AgentLease("n", "https://10.0.0.7:1", "linux/amd64", 0, 0, NOW, NOW, 30).toLease("ns");
    java.util.Map<String, String> annotations =
        new java.util.HashMap<>(plainHttp.getMetadata().getAnnotations());
    annotations.put("dockmaster.io/peer-endpoint", "http://x:1");
    plainHttp.getMetadata().setAnnotations(annotations);

    assertThat(AgentLease.from(leaderElection)).isEmpty();
    assertThat(AgentLease.from(plainHttp)).as("peers are only ever reached over TLS").isEmpty();
  }

  @Test
  void aNodeNameTooLongForALeaseIsRefused() {
    assertThatThrownBy(() -> AgentLease.leaseName("n".repeat(240)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long for a Lease name");
  }
}
