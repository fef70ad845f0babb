package io.dockmaster.signature;

import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryClient;

/**
 * One way attestations are stored next to an image: cosign's {@code sha256-<hex>.att} tag today;
 * OCI 1.1 referrers and cosign 3's sigstore bundles later. A source only finds and reads; whether
 * anything is trusted is {@link AttestationCheck}'s decision.
 */
public interface AttestationSource {

  /**
   * The attestation envelopes stored for {@code imageAtDigest}, read within this source's limits.
   *
   * @param imageAtDigest an image reference with a digest
   * @return {@link FoundAttestations#none()} when nothing is stored, which is not an error
   * @throws io.dockmaster.registry.RegistryException when the registry cannot say (unreachable,
   *     unauthorized, ...): an image must not pass as unattested because its registry is down, nor
   *     fail as unattested for the same reason
   */
  FoundAttestations find(RegistryClient client, ImageReference imageAtDigest);
}
