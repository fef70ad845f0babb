package io.dockmaster.control;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How an agent announces itself: a {@code Lease} per node in the agents' namespace, renewed while
 * the agent runs and carrying where peers and the operator reach it. Kubernetes-native, so the same
 * in a cluster and against a bare API server in tests; an agent that dies simply stops renewing.
 *
 * @param endpoint base URL of the agent's mutual-TLS peer port, e.g. https://10.0.0.7:30020
 * @param platform os/architecture the node runs, e.g. linux/amd64
 * @param uploadBytesPerSecond the agent's upload cap, 0 if none
 * @param downloadBytesPerSecond the agent's download cap, 0 if none
 * @param started when this agent process started (the Lease's acquireTime): a new value means a
 *     restarted agent, which has lost what it was told in memory (pins, runtime mirrors)
 */
public record AgentLease(
    String node,
    String endpoint,
    String platform,
    long uploadBytesPerSecond,
    long downloadBytesPerSecond,
    Instant started,
    Instant renewed,
    int durationSeconds,
    Set<String> features) {

  /**
   * The agent takes orders for byte-range pieces of a blob ({@link TransferOrder#piece()}) and
   * serves them: the operator cuts blobs into pieces only for nodes whose agents all say so, so an
   * agent of an older version is never sent what it would misread.
   */
  public static final String PIECES = "pieces";

  public AgentLease {
    features = features == null ? Set.of() : Set.copyOf(features);
  }

  /** An agent that announces no optional features. */
  public AgentLease(
      String node,
      String endpoint,
      String platform,
      long uploadBytesPerSecond,
      long downloadBytesPerSecond,
      Instant started,
      Instant renewed,
      int durationSeconds) {
    this(
        node,
        endpoint,
        platform,
        uploadBytesPerSecond,
        downloadBytesPerSecond,
        started,
        renewed,
        durationSeconds,
        Set.of());
  }

  public boolean takesPieces() {
    return features.contains(PIECES);
  }

  public static final String NAME_PREFIX = "dockmaster-agent-";
  public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
  public static final String COMPONENT = "dockmaster-agent";
  private static final String ANNOTATIONS = "dockmaster.io/";
  static final String ENDPOINT = ANNOTATIONS + "peer-endpoint";
  static final String NODE = ANNOTATIONS + "node";
  static final String PLATFORM = ANNOTATIONS + "platform";
  static final String UPLOAD = ANNOTATIONS + "upload-bytes-per-second";
  static final String DOWNLOAD = ANNOTATIONS + "download-bytes-per-second";
  static final String FEATURES = ANNOTATIONS + "features";

  public static String leaseName(String node) {
    String name = NAME_PREFIX + node;
    if (name.length() > 253) {
      throw new IllegalArgumentException(
          "node name " + node + " is too long for a Lease name (max " + (253 - 17) + ")");
    }
    return name;
  }

  public boolean isLive(Instant now) {
    return renewed != null && renewed.plusSeconds(durationSeconds).isAfter(now);
  }

  public Lease toLease(String namespace) {
    return new LeaseBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(leaseName(node))
                .withNamespace(namespace)
                .withLabels(Map.of(COMPONENT_LABEL, COMPONENT))
                .withAnnotations(
                    Map.of(
                        ENDPOINT,
                        endpoint,
                        NODE,
                        node,
                        PLATFORM,
                        platform,
                        UPLOAD,
                        Long.toString(uploadBytesPerSecond),
                        DOWNLOAD,
                        Long.toString(downloadBytesPerSecond),
                        FEATURES,
                        String.join(",", new TreeSet<>(features))))
                .build())
        .withNewSpec()
        .withHolderIdentity(node)
        .withLeaseDurationSeconds(durationSeconds)
        .withAcquireTime(started == null ? null : ZonedDateTime.ofInstant(started, ZoneOffset.UTC))
        .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC))
        .endSpec()
        .build();
  }

  /** Reads an agent's Lease; empty if it is not one or is malformed (it is then ignored). */
  public static Optional<AgentLease> from(Lease lease) {
    Map<String, String> annotations = lease.getMetadata().getAnnotations();
    if (annotations == null || lease.getSpec() == null) {
      return Optional.empty();
    }
    String node = annotations.get(NODE);
    String endpoint = annotations.get(ENDPOINT);
    if (node == null || endpoint == null || !endpoint.startsWith("https://")) {
      return Optional.empty();
    }
    try {
      Instant renewed =
          lease.getSpec().getRenewTime() == null
              ? null
              : lease.getSpec().getRenewTime().toInstant();
      Instant started =
          lease.getSpec().getAcquireTime() == null
              ? null
              : lease.getSpec().getAcquireTime().toInstant();
      Integer duration = lease.getSpec().getLeaseDurationSeconds();
      return Optional.of(
          new AgentLease(
              node,
              endpoint,
              annotations.getOrDefault(PLATFORM, "linux/amd64"),
              parseLong(annotations.get(UPLOAD)),
              parseLong(annotations.get(DOWNLOAD)),
              started,
              renewed,
              duration == null ? 0 : duration,
              parseFeatures(annotations.get(FEATURES))));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  private static Set<String> parseFeatures(String value) {
    Set<String> features = new TreeSet<>();
    if (value != null) {
      for (String feature : value.split(",")) {
        if (!feature.isBlank()) {
          features.add(feature.trim());
        }
      }
    }
    return features;
  }

  private static long parseLong(String value) {
    try {
      return value == null ? 0 : Math.max(0, Long.parseLong(value));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
