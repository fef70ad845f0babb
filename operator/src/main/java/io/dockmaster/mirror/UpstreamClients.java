package io.dockmaster.mirror;

import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistrySettings;
import io.dockmaster.registry.RegistrySettings.Security;
import io.dockmaster.secret.DockerConfigSecrets;
import io.dockmaster.secret.SecretKeyReader;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry clients for mirror upstreams. One client (connections, token cache) per registry and
 * transport security, shared by every mirror of that registry; credentials are applied per mirror
 * from its Secret, read fresh each time so a rotated Secret takes effect at the next run.
 */
public final class UpstreamClients {

  private final SecretKeyReader secrets;
  private final RegistrySettings defaults;
  private final Map<String, RegistryClient> clients = new ConcurrentHashMap<>();

  public UpstreamClients(SecretKeyReader secrets, RegistrySettings defaults) {
    this.secrets = secrets;
    this.defaults = defaults;
  }

  /**
   * @throws SecretKeyReader.SecretLookupException if the credentials Secret is missing
   * @throws IllegalArgumentException if the Secret does not hold a docker config
   */
  public RegistryClient clientFor(MirrorTarget target) {
    // Not insecure means the registry's default: verified TLS, except on loopback addresses where,
    // as in containerd, plain HTTP is allowed.
    Security security =
        target.insecure() ? Security.INSECURE : defaults.securityFor(target.registry());
    RegistryClient client =
        clients.computeIfAbsent(
            target.registry() + "|" + security,
            key ->
                RegistryClient.builder()
                    .settings(withSecurity(target.registry(), security))
                    .build());
    if (target.credentials().isEmpty()) {
      return client;
    }
    return client.withCredentials(DockerConfigSecrets.read(secrets, target.credentials().get()));
  }

  /**
   * How agents reach the upstream: the same registry, security and credentials the operator uses.
   *
   * @throws SecretKeyReader.SecretLookupException if the credentials Secret is missing
   * @throws IllegalArgumentException if the Secret does not hold a docker config
   */
  public UpstreamAccess accessFor(MirrorTarget target) {
    boolean insecure = target.insecure() || defaults.securityFor(target.registry()) != Security.TLS;
    return new UpstreamAccess(
        target.registry(),
        insecure,
        target.credentials().map(ref -> DockerConfigSecrets.readJson(secrets, ref)).orElse(null));
  }

  private RegistrySettings withSecurity(String registry, Security security) {
    RegistrySettings.Builder builder =
        RegistrySettings.builder()
            .connectTimeout(defaults.connectTimeout())
            .requestTimeout(defaults.requestTimeout())
            .retryPolicy(defaults.retryPolicy())
            .userAgent(defaults.userAgent())
            .maxManifestBytes(defaults.maxManifestBytes())
            .security(registry, security);
    return builder.build();
  }
}
