package io.dockmaster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.control.RuntimeMirrors.MirroredRegistry;
import io.dockmaster.registry.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeMirrorConfigTest {

  private static final String DIGEST = "sha256:" + "a".repeat(64);

  @TempDir Path certsD;
  private final RuntimeTags tags = new RuntimeTags();

  private RuntimeMirrorConfig config() {
    return new RuntimeMirrorConfig(Optional.of(certsD), () -> "http://127.0.0.1:30021", tags);
  }

  @Test
  void writesAPullAndResolveMirrorInFrontOfTheRegistry() throws Exception {
    config()
        .apply(
            new RuntimeMirrors(
                List.of(
                    new MirroredRegistry(
                        "registry.example.com:5000", false, Map.of("team/app:1", DIGEST)))));

    String toml = Files.readString(certsD.resolve("registry.example.com:5000/hosts.toml"));
    assertThat(toml)
        .startsWith(RuntimeMirrorConfig.MARKER)
        .contains("server = \"https://registry.example.com:5000\"")
        .contains("[host.\"http://127.0.0.1:30021\"]")
        .contains("capabilities = [\"pull\", \"resolve\"]");
    assertThat(tags.lookup("registry.example.com:5000", "team/app", "1"))
        .contains(Digest.parse(DIGEST));
    assertThat(tags.lookup("registry.example.com:5000", "team/app", "2")).isEmpty();
    assertThat(tags.lookup(null, "team/app", "1")).isEmpty();
  }

  @Test
  void dockerHubFallsBackToItsRealEndpointAndPlainHttpRegistriesToHttp() throws Exception {
    config()
        .apply(
            new RuntimeMirrors(
                List.of(
                    new MirroredRegistry("docker.io", false, Map.of()),
                    new MirroredRegistry("10.0.0.5:5000", true, Map.of()))));

    assertThat(Files.readString(certsD.resolve("docker.io/hosts.toml")))
        .contains("server = \"https://registry-1.docker.io\"");
    assertThat(Files.readString(certsD.resolve("10.0.0.5:5000/hosts.toml")))
        .contains("server = \"http://10.0.0.5:5000\"");
  }

  @Test
  void neverTouchesAHostsTomlSomeoneElseWrote() throws Exception {
    Path theirs = Files.createDirectories(certsD.resolve("registry.example.com"));
    Files.writeString(theirs.resolve("hosts.toml"), "server = \"https://mine.example.com\"\n");

    RuntimeMirrorConfig config = config();
    config.apply(
        new RuntimeMirrors(List.of(new MirroredRegistry("registry.example.com", false, Map.of()))));
    config.removeAll();

    assertThat(Files.readString(theirs.resolve("hosts.toml")))
        .isEqualTo("server = \"https://mine.example.com\"\n");
  }

  @Test
  void registriesNoLongerMirroredAreRemovedAndAllOnStop() throws Exception {
    RuntimeMirrorConfig config = config();
    config.apply(
        new RuntimeMirrors(
            List.of(
                new MirroredRegistry("a.example.com", false, Map.of()),
                new MirroredRegistry("b.example.com", false, Map.of()))));

    config.apply(
        new RuntimeMirrors(List.of(new MirroredRegistry("b.example.com", false, Map.of()))));
    assertThat(certsD.resolve("a.example.com")).doesNotExist();
    assertThat(certsD.resolve("b.example.com/hosts.toml")).exists();

    config.removeAll();
    assertThat(certsD.resolve("b.example.com")).doesNotExist();
  }

  @Test
  void aRegistryNameThatIsNotAHostIsRefusedBeforeAnythingIsWritten() {
    assertThatThrownBy(
            () ->
                config()
                    .apply(
                        new RuntimeMirrors(
                            List.of(
                                new MirroredRegistry("ok.example.com", false, Map.of()),
                                new MirroredRegistry("../../etc", false, Map.of())))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("../../etc is not a host[:port]");
    assertThat(certsD.resolve("ok.example.com")).doesNotExist();
  }
}
