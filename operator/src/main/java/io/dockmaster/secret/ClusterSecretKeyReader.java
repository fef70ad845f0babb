package io.dockmaster.secret;

import io.dockmaster.api.v1alpha1.SecretKeyReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reads Secret keys from the API server. Never includes the value in a message. */
public final class ClusterSecretKeyReader implements SecretKeyReader {

  private final KubernetesClient client;

  public ClusterSecretKeyReader(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public String read(SecretKeyReference reference) {
    Secret secret =
        client.secrets().inNamespace(reference.getNamespace()).withName(reference.getName()).get();
    if (secret == null) {
      throw new SecretLookupException(
          SecretLookupException.Missing.SECRET,
          "Secret "
              + reference.getNamespace()
              + "/"
              + reference.getName()
              + " does not exist; create it or fix the reference");
    }
    if (secret.getData() != null && secret.getData().containsKey(reference.getKey())) {
      return new String(
          Base64.getDecoder().decode(secret.getData().get(reference.getKey())),
          StandardCharsets.UTF_8);
    }
    if (secret.getStringData() != null && secret.getStringData().containsKey(reference.getKey())) {
      return secret.getStringData().get(reference.getKey());
    }
    throw new SecretLookupException(
        SecretLookupException.Missing.KEY,
        "Secret "
            + reference.getNamespace()
            + "/"
            + reference.getName()
            + " has no key \""
            + reference.getKey()
            + "\"; set key to one of its keys or add it to the Secret");
  }
}
