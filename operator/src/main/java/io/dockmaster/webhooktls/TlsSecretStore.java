package io.dockmaster.webhooktls;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The webhook TLS Secret, read and written by name only. Writes carry the resourceVersion that was
 * read, so when two replicas rotate at once one wins and the other reads the winner's state.
 */
final class TlsSecretStore {

  private static final Map<String, String> LABELS =
      Map.of(
          "app.kubernetes.io/name", "dockmaster",
          "app.kubernetes.io/component", "admission-webhook");

  private final KubernetesClient client;
  private final String namespace;
  private final String name;

  TlsSecretStore(KubernetesClient client, String namespace, String name) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  /**
   * The Secret as stored.
   *
   * @param secret empty when it does not exist
   * @param state empty when the Secret holds no certificates yet (or unreadable ones)
   * @param problem why the content could not be read, if it could not
   */
  record Stored(Optional<Secret> secret, Optional<TlsState> state, Optional<String> problem) {}

  Stored read() {
    try {
      return parse(client.secrets().inNamespace(namespace).withName(name).get());
    } catch (KubernetesClientException e) {
      throw explained(e);
    }
  }

  Stored parse(Secret secret) {
    if (secret == null) {
      return new Stored(Optional.empty(), Optional.empty(), Optional.empty());
    }
    try {
      return new Stored(Optional.of(secret), TlsState.fromData(decode(secret)), Optional.empty());
    } catch (IllegalArgumentException e) {
      return new Stored(
          Optional.of(secret),
          Optional.empty(),
          Optional.of(
              "Secret " + where() + " does not hold usable certificates: " + e.getMessage()));
    }
  }

  /**
   * Writes the state over what {@code basedOn} read: an update with its resourceVersion, or a
   * create when there was no Secret.
   *
   * @return false when someone else wrote first
   */
  boolean write(TlsState state, Stored basedOn) {
    Map<String, String> data = new LinkedHashMap<>();
    state
        .toData()
        .forEach(
            (key, pem) ->
                data.put(
                    key,
                    Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII))));
    try {
      if (basedOn.secret().isEmpty()) {
        client
            .secrets()
            .inNamespace(namespace)
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(namespace)
                    .withLabels(LABELS)
                    .endMetadata()
                    .withType("Opaque")
                    .withData(data)
                    .build())
            .create();
      } else {
        // The rest of the object (the chart's labels, owner, type) stays as it was.
        Secret updated = new SecretBuilder(basedOn.secret().get()).withData(data).build();
        client.secrets().inNamespace(namespace).resource(updated).update();
      }
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return false;
      }
      throw explained(e);
    }
  }

  /** Calls back with every version of the Secret, starting with the current one. */
  SharedIndexInformer<Secret> inform(Consumer<Secret> changed) {
    return client
        .secrets()
        .inNamespace(namespace)
        .withName(name)
        .inform(
            new ResourceEventHandler<>() {
              @Override
              public void onAdd(Secret secret) {
                changed.accept(secret);
              }

              @Override
              public void onUpdate(Secret before, Secret after) {
                changed.accept(after);
              }

              @Override
              public void onDelete(Secret secret, boolean unknownFinalState) {
                // The server keeps its certificate; the next check recreates the Secret.
              }
            },
            0);
  }

  String where() {
    return namespace + "/" + name;
  }

  private KubernetesClientException explained(KubernetesClientException e) {
    if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
      return new KubernetesClientException(
          "the operator may not use Secret "
              + where()
              + " (it needs get, list, watch and update on it by name, and create when it"
              + " does not exist; the chart grants these in webhook.certificate.mode=operator): "
              + e.getMessage(),
          e.getCode(),
          e.getStatus());
    }
    return e;
  }

  private static Map<String, String> decode(Secret secret) {
    Map<String, String> decoded = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (key, value) ->
                  decoded.put(
                      key,
                      new String(Base64.getDecoder().decode(value), StandardCharsets.US_ASCII)));
    }
    return decoded;
  }
}
