package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tag pagination against go-containerregistry's registry, which honors {@code n} and {@code last}
 * but sends no Link header (distribution 2.8 ignores {@code n} for tags; its catalog paging by Link
 * is covered in {@link RegistryClientIT}).
 */
class RegistryPaginationIT {

  private static final List<String> TAGS = List.of("a", "b", "c", "d", "e");

  @TempDir static Path tmp;

  private static RegistryServer registry;
  private static ImageReference repository;

  @BeforeAll
  static void pushTags() {
    registry = RegistryServer.startGgcr();
    TestImages crane = TestImages.anonymous();
    Path layer = TestImages.layer(tmp, Map.of("f", "x"));
    for (String tag : TAGS) {
      crane.push(registry.host() + "/team/paged:" + tag, layer);
    }
    repository = ImageReference.parseRepository(registry.host() + "/team/paged");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void pagesByLastWhenPagesComeBackFull() {
    RegistryClient client = RegistryClient.builder().build();

    assertThat(client.listTags(repository, 2)).containsExactlyElementsOf(TAGS);
    assertThat(client.listTags(repository, 1)).containsExactlyElementsOf(TAGS);
    assertThat(client.listTags(repository, 5)).containsExactlyElementsOf(TAGS);
    assertThat(client.listTags(repository, 100)).containsExactlyElementsOf(TAGS);
  }

  @Test
  void unpagedListingReturnsEverything() {
    assertThat(RegistryClient.builder().build().listTags(repository))
        .containsExactlyElementsOf(TAGS);
  }
}
