package io.dockmaster.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Installs the committed CRDs, exactly as users apply them, and waits until they serve. */
public final class Crds {

  public static final List<String> NAMES =
      List.of("imagepolicies.dockmaster.io", "imagemirrors.dockmaster.io");

  private static final Path CRD_DIR = Path.of("..", "crds").toAbsolutePath().normalize();

  private Crds() {}

  public static void install(KubernetesClient client) {
    for (String name : NAMES) {
      try (InputStream yaml = Files.newInputStream(CRD_DIR.resolve(name + ".yaml"))) {
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .load(yaml)
            .forceConflicts()
            .serverSideApply();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + CRD_DIR.resolve(name + ".yaml"), e);
      }
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> NAMES.stream().allMatch(name -> established(client, name)));
  }

  private static boolean established(KubernetesClient client, String name) {
    CustomResourceDefinition crd =
        client.apiextensions().v1().customResourceDefinitions().withName(name).get();
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
