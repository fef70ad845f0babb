package io.dockmaster.registry;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An {@code os/architecture[/variant]} triple, always held in containerd's normalized form so that
 * equal platforms compare equal: {@code aarch64} and {@code arm64/v8} are both {@code arm64},
 * {@code x86_64} is {@code amd64}, bare {@code arm} is {@code arm/v7}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Platform(
    @JsonProperty("os") String os,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("variant") String variant) {

  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", "");
  public static final Platform LINUX_ARM64 = new Platform("linux", "arm64", "");

  /** Normalizes; a missing variant is the empty string. */
  @JsonCreator
  public Platform {
    os = os == null ? "" : os.toLowerCase(Locale.ROOT);
    if (os.equals("macos")) {
      os = "darwin";
    }
    String arch = architecture == null ? "" : architecture.toLowerCase(Locale.ROOT);
    String v = variant == null ? "" : variant.toLowerCase(Locale.ROOT);
    switch (arch) {
      case "i386" -> arch = "386";
      case "x86_64", "x86-64", "amd64" -> {
        arch = "amd64";
        if (v.equals("v1")) {
          v = "";
        }
      }
      case "aarch64", "arm64" -> {
        arch = "arm64";
        v =
            switch (v) {
              case "8", "v8", "v8.0" -> "";
              case "9", "9.0", "v9.0" -> "v9";
              default -> v;
            };
      }
      case "armhf" -> {
        arch = "arm";
        v = "v7";
      }
      case "armel" -> {
        arch = "arm";
        v = "v6";
      }
      case "arm" -> {
        if (v.isEmpty() || v.equals("7")) {
          v = "v7";
        } else if (v.equals("5") || v.equals("6") || v.equals("8")) {
          v = "v" + v;
        }
      }
      default -> {
        // Other architectures (ppc64le, s390x, riscv64, ...) carry no variant aliases.
      }
    }
    architecture = arch;
    variant = v;
  }

  /**
   * Parses {@code os/arch[/variant]}, e.g. {@code linux/arm64/v8}.
   *
   * @throws IllegalArgumentException if the value does not have two or three parts
   */
  public static Platform parse(String value) {
    String[] parts = value == null ? new String[0] : value.split("/", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "\""
              + value
              + "\" is not a valid platform: expected os/arch[/variant], e.g. linux/amd64");
    }
    return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
  }

  /** Whether this platform is exactly {@code other} after normalization. */
  public boolean matches(Platform other) {
    return equals(other);
  }

  /**
   * The platforms a node of this platform can run, best first, as containerd's default matcher
   * orders them: arm64 also runs arm v8..v5, amd64 v3 also runs v2 and v1 and 386.
   */
  @JsonIgnore
  public List<Platform> compatible() {
    List<Platform> result = new ArrayList<>();
    result.add(this);
    switch (architecture) {
      case "amd64" -> {
        for (int level = versionOf(variant) - 1; level >= 1; level--) {
          result.add(new Platform(os, "amd64", level == 1 ? "" : "v" + level));
        }
        result.add(new Platform(os, "386", ""));
      }
      case "arm" -> {
        for (int level = versionOf(variant) - 1; level >= 5; level--) {
          result.add(new Platform(os, "arm", "v" + level));
        }
      }
      case "arm64" -> {
        int level = variant.isEmpty() ? 8 : Math.max(8, versionOf(variant));
        for (int arm = Math.min(level, 8); arm >= 5; arm--) {
          result.add(new Platform(os, "arm", "v" + arm));
        }
      }
      default -> {
        // No compatible fallbacks.
      }
    }
    return List.copyOf(result);
  }

  /** Whether this is the placeholder {@code unknown/unknown} that attestation manifests carry. */
  @JsonIgnore
  public boolean isUnknown() {
    return os.equals("unknown") || architecture.equals("unknown");
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }

  private static int versionOf(String variant) {
    try {
      return Integer.parseInt(variant.startsWith("v") ? variant.substring(1) : variant);
    } catch (NumberFormatException e) {
      return 1;
    }
  }
}
