package io.dockmaster.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.DockerConfig;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads pods' imagePullSecrets from the API server, briefly cached because admission sees the same
 * few Secrets over and over. Like the kubelet, a missing or malformed Secret is skipped; the
 * registry's refusal then explains what is missing.
 */
public final class ClusterPullCredentials implements PullCredentials {

  private static final Logger log = LoggerFactory.getLogger(ClusterPullCredentials.class);
  private static final Map<String, String> KEYS =
      Map.of(
          "kubernetes.io/dockerconfigjson", ".dockerconfigjson",
          "kubernetes.io/dockercfg", ".dockercfg");

  private final KubernetesClient client;
  private final Cache<String, DockerConfig> configs =
      Caffeine.newBuilder().maximumSize(1_000).expireAfterWrite(Duration.ofSeconds(30)).build();

  public ClusterPullCredentials(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public CredentialsProvider forPod(String namespace, List<String> pullSecrets) {
    if (pullSecrets == null || pullSecrets.isEmpty()) {
      return CredentialsProvider.anonymous();
    }
    return CredentialsProvider.firstOf(
        pullSecrets.stream()
            .map(name -> configs.get(namespace + "/" + name, key -> read(namespace, name)))
            .toList());
  }

  private DockerConfig read(String namespace, String name) {
    try {
      Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null || secret.getData() == null) {
        return DockerConfig.empty();
      }
      String key = KEYS.getOrDefault(secret.getType(), ".dockerconfigjson");
      String encoded = secret.getData().get(key);
      return encoded == null
          ? DockerConfig.empty()
          : DockerConfig.parse(Base64.getDecoder().decode(encoded));
    } catch (KubernetesClientException | IllegalArgumentException e) {
      log.warn("imagePullSecret {}/{} is unusable: {}", namespace, name, e.getMessage());
      return DockerConfig.empty();
    }
  }
}
