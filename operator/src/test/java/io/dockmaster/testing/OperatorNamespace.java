package io.dockmaster.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The namespace an operator under test is installed in, created as the chart would. */
public final class OperatorNamespace {

  public static final String NAME = "dockmaster";

  private OperatorNamespace() {}

  public static void ensure(KubernetesClient client) {
    ensure(client, NAME);
  }

  public static void ensure(KubernetesClient client, String name) {
    if (client.namespaces().withName(name).get() == null) {
      client
          .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
    }
  }
}
