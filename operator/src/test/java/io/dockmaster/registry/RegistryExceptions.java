package io.dockmaster.registry;

/** Registry failures for fakes of registry-facing interfaces in other packages' tests. */
public final class RegistryExceptions {

  private RegistryExceptions() {}

  public static RegistryException unreachable(String registry) {
    return new RegistryException(
        RegistryException.Kind.UNREACHABLE,
        registry,
        "registry " + registry + " is unreachable: connection refused after 3 attempts");
  }
}
