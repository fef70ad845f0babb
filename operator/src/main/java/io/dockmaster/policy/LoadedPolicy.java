package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.signature.TrustedKey;
import java.util.List;
import java.util.Map;

/**
 * A policy whose spec passed every check the schema cannot make, with its patterns compiled, its
 * keys parsed and its registry credentials read: what admission evaluates against.
 *
 * @param registryCredentials from {@code spec.registryCredentials}, tried after the pod's own
 *     imagePullSecrets; never printed (its {@code toString} hides secrets)
 */
public record LoadedPolicy(
    String name,
    String uid,
    long generation,
    ImagePolicySpec spec,
    List<ImagePattern> images,
    List<ImagePattern> exclude,
    Map<String, TrustedKey> authorities,
    CredentialsProvider registryCredentials) {

  /** A policy that reads registries with the pod's credentials only. */
  public LoadedPolicy(
      String name,
      String uid,
      long generation,
      ImagePolicySpec spec,
      List<ImagePattern> images,
      List<ImagePattern> exclude,
      Map<String, TrustedKey> authorities) {
    this(
        name, uid, generation, spec, images, exclude, authorities, CredentialsProvider.anonymous());
  }
}
