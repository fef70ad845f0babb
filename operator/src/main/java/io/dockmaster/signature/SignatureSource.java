package io.dockmaster.signature;

import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryClient;

/**
 * One way signatures are stored next to an image: cosign's {@code sha256-<hex>.sig} tag today; OCI
 * 1.1 referrers, their tag fallback, or sigstore bundles later. A source only finds and reads;
 * whether anything is trusted is {@link SignatureCheck}'s decision.
 */
public interface SignatureSource {

  /**
   * The signatures stored for {@code imageAtDigest}, read within this source's limits.
   *
   * @param imageAtDigest an image reference with a digest
   * @return {@link FoundSignatures#none()} when nothing is stored, which is not an error
   * @throws io.dockmaster.registry.RegistryException when the registry cannot say (unreachable,
   *     unauthorized, ...): an image must not pass as unsigned because its registry is down
   */
  FoundSignatures find(RegistryClient client, ImageReference imageAtDigest);
}
