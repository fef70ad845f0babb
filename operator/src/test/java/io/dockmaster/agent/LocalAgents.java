package io.dockmaster.agent;

import io.dockmaster.cache.CacheLimits;
import io.dockmaster.registry.RegistrySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Agent settings for agents that share this machine's loopback: every port picked free. */
public final class LocalAgents {

  private LocalAgents() {}

  public static AgentSettings settings(String node, String namespace, Path cacheDir) {
    return new AgentSettings(
        node,
        namespace,
        cacheDir,
        CacheLimits.ofCapacity(1L << 30),
        "127.0.0.1",
        0,
        "127.0.0.1",
        "127.0.0.1",
        0,
        Optional.empty(),
        0,
        0,
        AgentSettings.hostPlatform(),
        "127.0.0.1",
        0,
        Duration.ofSeconds(15),
        Duration.ofSeconds(10),
        8,
        AgentSettings.DEFAULT_RELAY_WINDOW_BYTES,
        ScrubSchedule.off(),
        RegistrySettings.defaults());
  }

  public static AgentSettings withRuntimeConfig(AgentSettings s, Path containerdConfigDir) {
    return new AgentSettings(
        s.node(),
        s.namespace(),
        s.cacheDirectory(),
        s.cacheLimits(),
        s.peerBindAddress(),
        s.peerPort(),
        s.advertiseAddress(),
        s.runtimeBindAddress(),
        s.runtimePort(),
        Optional.of(containerdConfigDir),
        s.uploadBytesPerSecond(),
        s.downloadBytesPerSecond(),
        s.platform(),
        s.healthBindAddress(),
        s.healthPort(),
        s.leaseDuration(),
        s.stallTimeout(),
        s.transferParallelism(),
        s.relayWindowBytes(),
        s.scrub(),
        s.registry());
  }
}
