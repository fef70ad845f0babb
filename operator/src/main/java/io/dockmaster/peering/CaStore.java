package io.dockmaster.peering;

import static io.dockmaster.peering.AgentCertificateAuthority.CERT_KEY;
import static io.dockmaster.peering.AgentCertificateAuthority.KEY_KEY;
import static io.dockmaster.peering.AgentCertificateAuthority.NAME;

import io.dockmaster.pki.Pem;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps the agent CA in its Secret and publishes the certificate in a ConfigMap. */
final class CaStore {

  private static final Logger log = LoggerFactory.getLogger(CaStore.class);
  private static final String FIELD_MANAGER = "dockmaster-operator";
  private static final Map<String, String> LABELS =
      Map.of("app.kubernetes.io/name", "dockmaster", "app.kubernetes.io/component", "agent-ca");

  private final KubernetesClient client;
  private final String namespace;

  CaStore(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  AgentCertificateAuthority loadOrCreate(
      Supplier<AgentCertificateAuthority> generator, Clock clock) {
    Secret existing = client.secrets().inNamespace(namespace).withName(NAME).get();
    AgentCertificateAuthority ca;
    if (existing != null) {
      ca = parse(existing, clock);
    } else {
      AgentCertificateAuthority fresh = generator.get();
      try {
        client.secrets().inNamespace(namespace).resource(secret(fresh)).create();
        ca = fresh;
        log.info("created the agent CA in Secret {}/{} ({})", namespace, NAME, fresh);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        // Another operator replica created it first: use theirs, so both sign with one CA.
        Secret winner = client.secrets().inNamespace(namespace).withName(NAME).get();
        if (winner == null) {
          throw new IllegalStateException(
              "Secret " + where() + " was created and deleted while the operator started; retry");
        }
        ca = parse(winner, clock);
      }
    }
    publish(ca);
    return ca;
  }

  X509Certificate readPublished() {
    ConfigMap map = client.configMaps().inNamespace(namespace).withName(NAME).get();
    if (map == null || map.getData() == null || !map.getData().containsKey(CERT_KEY)) {
      throw new IllegalStateException(
          "ConfigMap "
              + where()
              + (map == null ? " does not exist" : " has no key " + CERT_KEY)
              + "; the operator publishes it when it starts, so start the operator first");
    }
    try {
      return Pem.readChain(map.getData().get(CERT_KEY), "ConfigMap " + where()).get(0);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private void publish(AgentCertificateAuthority ca) {
    ConfigMap map =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(NAME)
            .withNamespace(namespace)
            .withLabels(LABELS)
            .endMetadata()
            .addToData(CERT_KEY, ca.certificatePem())
            .build();
    client
        .configMaps()
        .inNamespace(namespace)
        .resource(map)
        .fieldManager(FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
  }

  private AgentCertificateAuthority parse(Secret secret, Clock clock) {
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    try {
      return AgentCertificateAuthority.fromPem(
          decode(data, CERT_KEY), decode(data, KEY_KEY), clock);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "Secret "
              + where()
              + " does not hold a usable agent CA: "
              + e.getMessage()
              + ". Restore it, or delete it so the operator creates a new CA when it starts"
              + " (every agent then requests a new certificate)",
          e);
    }
  }

  private static String decode(Map<String, String> data, String key) {
    String base64 = data.get(key);
    if (base64 == null || base64.isEmpty()) {
      throw new IllegalArgumentException("it has no key " + key);
    }
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
  }

  private Secret secret(AgentCertificateAuthority ca) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(namespace)
        .withLabels(LABELS)
        .endMetadata()
        .withType("Opaque")
        // Rotating the CA means deleting it on purpose, never editing it by accident.
        .withImmutable(true)
        .addToStringData(CERT_KEY, ca.certificatePem())
        .addToStringData(KEY_KEY, ca.privateKeyPem())
        .build();
  }

  private String where() {
    return namespace + "/" + NAME;
  }
}
