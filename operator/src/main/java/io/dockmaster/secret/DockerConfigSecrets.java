package io.dockmaster.secret;

import io.dockmaster.api.v1alpha1.SecretKeyReference;
import io.dockmaster.api.v1alpha1.SecretReference;
import io.dockmaster.registry.DockerConfig;
import io.dockmaster.secret.SecretKeyReader.SecretLookupException;

/** Registry credentials kept the Kubernetes way: a kubernetes.io/dockerconfigjson Secret. */
public final class DockerConfigSecrets {

  /** Where Kubernetes keeps such a Secret's content. */
  public static final String KEY = ".dockerconfigjson";

  private DockerConfigSecrets() {}

  /**
   * @throws SecretLookupException if the Secret or its {@value #KEY} is missing, saying how to
   *     create the right kind of Secret
   * @throws IllegalArgumentException if the content is not a docker config, naming the Secret
   */
  public static String readJson(SecretKeyReader secrets, SecretReference reference) {
    String json;
    try {
      json =
          secrets.read(new SecretKeyReference(reference.getNamespace(), reference.getName(), KEY));
    } catch (SecretLookupException e) {
      if (e.missing() != SecretLookupException.Missing.KEY) {
        throw e;
      }
      throw new SecretLookupException(
          SecretLookupException.Missing.KEY,
          reference
              + " holds no "
              + KEY
              + "; use a Secret of type kubernetes.io/dockerconfigjson (kubectl create secret"
              + " docker-registry)");
    }
    try {
      DockerConfig.parse(json);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(reference + ": " + e.getMessage());
    }
    return json;
  }

  /**
   * @throws SecretLookupException if the Secret or its {@value #KEY} is missing, saying how to
   *     create the right kind of Secret
   * @throws IllegalArgumentException if the content is not a docker config, naming the Secret
   */
  public static DockerConfig read(SecretKeyReader secrets, SecretReference reference) {
    return DockerConfig.parse(readJson(secrets, reference));
  }
}
