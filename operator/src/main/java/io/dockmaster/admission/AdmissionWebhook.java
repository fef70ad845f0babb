package io.dockmaster.admission;

import io.dockmaster.policy.PodReviewer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The admission webhook as the operator runs it: namespace cache, HTTPS server and, depending on
 * {@link Registration}, certificates and the ValidatingWebhookConfiguration.
 */
public final class AdmissionWebhook implements AutoCloseable {

  private static final Duration NAMESPACE_SYNC_TIMEOUT = Duration.ofMinutes(1);

  private final NamespaceLabelCache namespaces;
  private final WebhookServer server;
  private final Optional<WebhookRegistration> removeOnClose;
  private final AtomicBoolean closed = new AtomicBoolean();

  private AdmissionWebhook(
      NamespaceLabelCache namespaces,
      WebhookServer server,
      Optional<WebhookRegistration> removeOnClose) {
    this.namespaces = namespaces;
    this.server = server;
    this.removeOnClose = removeOnClose;
  }

  public static AdmissionWebhook start(
      KubernetesClient client,
      PodReviewer reviewer,
      MeterRegistry registry,
      AdmissionSettings settings) {
    if (settings.registration() instanceof Registration.Local) {
      WebhookCertificates.generate(List.of("localhost")).writeTo(settings.certDirectory());
    }
    NamespaceLabelCache namespaces = NamespaceLabelCache.start(client, NAMESPACE_SYNC_TIMEOUT);
    WebhookServer server;
    try {
      server = WebhookServer.start(settings, reviewer, namespaces, registry);
    } catch (RuntimeException e) {
      namespaces.close();
      throw e;
    }
    try {
      Optional<WebhookRegistration> removeOnClose = register(client, settings, server.port());
      return new AdmissionWebhook(namespaces, server, removeOnClose);
    } catch (RuntimeException e) {
      server.close();
      namespaces.close();
      throw e;
    }
  }

  private static Optional<WebhookRegistration> register(
      KubernetesClient client, AdmissionSettings settings, int port) {
    if (settings.registration() instanceof Registration.Local local) {
      WebhookRegistration registration = new WebhookRegistration(client, local.exemptNamespaces());
      registration.apply(new WebhookTarget.Loopback(port), caBundle(settings));
      return Optional.of(registration);
    }
    if (settings.registration() instanceof Registration.InCluster cluster) {
      new WebhookRegistration(client, cluster.exemptNamespaces())
          .apply(
              new WebhookTarget.Service(
                  cluster.serviceNamespace(), cluster.serviceName(), cluster.servicePort()),
              caBundle(settings));
    }
    return Optional.empty();
  }

  private static String caBundle(AdmissionSettings settings) {
    Path ca = settings.certDirectory().resolve(WebhookCertificates.CA_FILE);
    try {
      return Files.readString(ca, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the webhook CA bundle " + ca + " to register the webhook", e);
    }
  }

  public int port() {
    return server.port();
  }

  public WebhookServer server() {
    return server;
  }

  /**
   * A local run first removes its registration, so the API server stops calling before the server
   * stops answering; then the server drains and stops.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      removeOnClose.ifPresent(WebhookRegistration::remove);
      server.close();
      namespaces.close();
    }
  }
}
