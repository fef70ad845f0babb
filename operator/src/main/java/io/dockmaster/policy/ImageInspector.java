package io.dockmaster.policy;

import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.signature.AttestationVerdict;
import io.dockmaster.signature.SignatureVerdict;

/**
 * The registry questions admission asks. An interface so the evaluator stays pure and testable with
 * an in-memory implementation; the real one caches by digest.
 */
public interface ImageInspector {

  /**
   * Resolves the reference (its digest if it has one, else the tag's current digest) and reads the
   * platforms and users of that digest.
   *
   * @throws io.dockmaster.registry.RegistryException when the registry cannot answer
   */
  ImageFacts inspect(ImageReference reference, CredentialsProvider credentials);

  /**
   * Which of the policy's authorities signed {@code imageAtDigest}.
   *
   * @throws io.dockmaster.registry.RegistryException when the registry cannot answer
   */
  SignatureVerdict signatures(
      ImageReference imageAtDigest, LoadedPolicy policy, CredentialsProvider credentials);

  /**
   * Which predicate types are attested for {@code imageAtDigest}, and by which of the policy's
   * authorities.
   *
   * @throws io.dockmaster.registry.RegistryException when the registry cannot answer
   */
  AttestationVerdict attestations(
      ImageReference imageAtDigest, LoadedPolicy policy, CredentialsProvider credentials);
}
