package io.dockmaster.registry;

import java.util.List;
import java.util.Optional;

/** Finds the credentials to use for a repository. */
@FunctionalInterface
public interface CredentialsProvider {

  Optional<RegistryCredentials> credentialsFor(ImageReference repository);

  /**
   * Credentials for registry-wide calls such as the catalog; only keys without a repository path
   * apply.
   */
  default Optional<RegistryCredentials> credentialsForRegistry(String registry) {
    return Optional.empty();
  }

  static CredentialsProvider anonymous() {
    return repository -> Optional.empty();
  }

  /** The first provider that has credentials wins, like kubelet trying pull secrets in order. */
  static CredentialsProvider firstOf(List<? extends CredentialsProvider> providers) {
    List<CredentialsProvider> copy = List.copyOf(providers);
    return new CredentialsProvider() {
      @Override
      public Optional<RegistryCredentials> credentialsFor(ImageReference repository) {
        return copy.stream()
            .map(p -> p.credentialsFor(repository))
            .flatMap(Optional::stream)
            .findFirst();
      }

      @Override
      public Optional<RegistryCredentials> credentialsForRegistry(String registry) {
        return copy.stream()
            .map(p -> p.credentialsForRegistry(registry))
            .flatMap(Optional::stream)
            .findFirst();
      }
    };
  }
}
