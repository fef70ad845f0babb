package io.dockmaster.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of an image config blob that admission and distribution decisions need; everything else
 * in the blob is ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageConfig(
    String os,
    String architecture,
    String variant,
    @JsonProperty("config") RuntimeConfig config,
    @JsonProperty("rootfs") RootFs rootfs) {

  public ImageConfig {
    config = config == null ? RuntimeConfig.EMPTY : config;
    rootfs = rootfs == null ? new RootFs("layers", List.of()) : rootfs;
  }

  /** The user the image runs as, as written in the image ({@code 1000}, {@code app:app}). */
  public Optional<String> user() {
    return Optional.ofNullable(config.user()).filter(u -> !u.isEmpty());
  }

  public Platform platform() {
    return new Platform(os, architecture, variant);
  }

  /** The container defaults; field names follow the Docker/OCI config JSON. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RuntimeConfig(
      @JsonProperty("User") String user,
      @JsonProperty("Env") List<String> env,
      @JsonProperty("Entrypoint") List<String> entrypoint,
      @JsonProperty("Cmd") List<String> cmd,
      @JsonProperty("WorkingDir") String workingDir,
      @JsonProperty("Labels") Map<String, String> labels) {

    static final RuntimeConfig EMPTY = new RuntimeConfig(null, null, null, null, null, null);

    public RuntimeConfig {
      env = env == null ? List.of() : List.copyOf(env);
      entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
      cmd = cmd == null ? List.of() : List.copyOf(cmd);
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  /** The uncompressed layer digests ({@code diff_ids}) in order. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RootFs(
      @JsonProperty("type") String type, @JsonProperty("diff_ids") List<Digest> diffIds) {

    public RootFs {
      diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
    }
  }
}
