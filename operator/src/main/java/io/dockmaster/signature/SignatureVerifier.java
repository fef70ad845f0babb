package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryClient;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Answers whether an image digest is signed by trusted keys: finds signatures with every configured
 * {@link SignatureSource} and lets one {@link SignatureCheck} decide over all of them. New
 * signature formats are new sources; callers do not change.
 */
public final class SignatureVerifier {

  private final List<SignatureSource> sources;
  private final SignatureCheck check;

  public SignatureVerifier(List<SignatureSource> sources, SignatureCheck check) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("a verifier needs at least one signature source");
    }
    this.sources = List.copyOf(sources);
    this.check = Objects.requireNonNull(check);
  }

  /** Key-based cosign signatures stored under the {@code .sig} tag, within default limits. */
  public static SignatureVerifier cosign() {
    SignatureLimits limits = SignatureLimits.defaults();
    return new SignatureVerifier(
        List.of(new CosignTagSignatures(limits)), new SignatureCheck(limits));
  }

  /**
   * @param imageAtDigest the image being admitted, by digest
   * @param authorities trusted keys by name; an image is verified by those whose key signed it
   * @throws IllegalArgumentException if {@code imageAtDigest} has no digest
   * @throws io.dockmaster.registry.RegistryException if the registry cannot say which signatures
   *     exist (an absent signature tag is not an error but an unsigned verdict)
   */
  public SignatureVerdict verify(
      RegistryClient client, ImageReference imageAtDigest, Map<String, TrustedKey> authorities) {
    Digest digest =
        imageAtDigest
            .digest()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        imageAtDigest + " has no digest; signatures are checked by digest"));
    FoundSignatures found = FoundSignatures.none();
    for (SignatureSource source : sources) {
      found = found.plus(source.find(client, imageAtDigest));
    }
    return check.check(digest, found, authorities);
  }
}
