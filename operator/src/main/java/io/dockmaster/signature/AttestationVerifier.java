package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryClient;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Answers which trusted authorities attested what about an image digest: finds attestations with
 * every configured {@link AttestationSource} and lets one {@link AttestationCheck} decide over all
 * of them. New storage formats are new sources; callers do not change.
 */
public final class AttestationVerifier {

  private final List<AttestationSource> sources;
  private final AttestationCheck check;

  public AttestationVerifier(List<AttestationSource> sources, AttestationCheck check) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("a verifier needs at least one attestation source");
    }
    this.sources = List.copyOf(sources);
    this.check = Objects.requireNonNull(check);
  }

  /** Key-based cosign attestations stored under the {@code .att} tag, within default limits. */
  public static AttestationVerifier cosign() {
    AttestationLimits limits = AttestationLimits.defaults();
    return new AttestationVerifier(
        List.of(new CosignTagAttestations(limits)), new AttestationCheck(limits));
  }

  /**
   * @param imageAtDigest the image being admitted, by digest
   * @param authorities trusted keys by name; an attestation counts for those whose key signed it
   * @throws IllegalArgumentException if {@code imageAtDigest} has no digest
   * @throws io.dockmaster.registry.RegistryException if the registry cannot say which attestations
   *     exist (an absent attestation tag is not an error but a verdict without attestations)
   */
  public AttestationVerdict verify(
      RegistryClient client, ImageReference imageAtDigest, Map<String, TrustedKey> authorities) {
    Digest digest =
        imageAtDigest
            .digest()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        imageAtDigest + " has no digest; attestations are checked by digest"));
    FoundAttestations found = FoundAttestations.none();
    for (AttestationSource source : sources) {
      found = found.plus(source.find(client, imageAtDigest));
    }
    return check.check(digest, found, authorities);
  }
}
