package io.dockmaster.admission;

import io.dockmaster.policy.PodReviewer;
import io.dockmaster.webhooktls.ManagedWebhookTls;
import io.dockmaster.webhooktls.TlsState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
  private final Optional<ManagedWebhookTls> managedTls;
  private final AtomicBoolean closed = new AtomicBoolean();

  private AdmissionWebhook(
      NamespaceLabelCache namespaces,
      WebhookServer server,
      Optional<WebhookRegistration> removeOnClose,
      Optional<ManagedWebhookTls> managedTls) {
    this.namespaces = namespaces;
    this.server = server;
    this.removeOnClose = removeOnClose;
    this.managedTls = managedTls;
  }

  public static AdmissionWebhook start(
      KubernetesClient client,
      PodReviewer reviewer,
      MeterRegistry registry,
      AdmissionSettings settings) {
    if (settings.registration() instanceof Registration.Local) {
      WebhookCertificates.generate(List.of("localhost")).writeTo(settings.certDirectory());
    }
    Optional<ManagedWebhookTls> managedTls = managedTls(client, settings);
    NamespaceLabelCache namespaces;
    WebhookServer server;
    try {
      namespaces = NamespaceLabelCache.start(client, NAMESPACE_SYNC_TIMEOUT);
    } catch (RuntimeException e) {
      managedTls.ifPresent(ManagedWebhookTls::close);
      throw e;
    }
    try {
      server =
          WebhookServer.start(
              settings,
              reviewer,
              namespaces,
              registry,
              managedTls.map(tls -> servingCertificate(tls.current())));
    } catch (RuntimeException e) {
      managedTls.ifPresent(ManagedWebhookTls::close);
      namespaces.close();
      throw e;
    }
    try {
      Optional<WebhookRegistration> removeOnClose = register(client, settings, server, managedTls);
      return new AdmissionWebhook(namespaces, server, removeOnClose, managedTls);
    } catch (RuntimeException e) {
      managedTls.ifPresent(ManagedWebhookTls::close);
      server.close();
      namespaces.close();
      throw e;
    }
  }

  private static Optional<ManagedWebhookTls> managedTls(
      KubernetesClient client, AdmissionSettings settings) {
    return settings
        .managedCertificates()
        .map(
            managed ->
                ManagedWebhookTls.bootstrap(
                    client,
                    managed.namespace(),
                    managed.secretName(),
                    managed.rotation(),
                    inCluster(settings).target().dnsNames(),
                    new WebhookRegistration(client, inCluster(settings).exemptNamespaces())
                        .publisherFor(inCluster(settings).target()),
                    Clock.systemUTC()));
  }

  private static Registration.InCluster inCluster(AdmissionSettings settings) {
    return (Registration.InCluster) settings.registration();
  }

  private static ServingCertificate servingCertificate(TlsState state) {
    return ServingCertificate.parse(state.servingChainPem(), state.servingKeyPem());
  }

  private static Optional<WebhookRegistration> register(
      KubernetesClient client,
      AdmissionSettings settings,
      WebhookServer server,
      Optional<ManagedWebhookTls> managedTls) {
    if (settings.registration() instanceof Registration.Local local) {
      WebhookRegistration registration = new WebhookRegistration(client, local.exemptNamespaces());
      registration.apply(new WebhookTarget.Loopback(server.port()), caBundle(settings));
      return Optional.of(registration);
    }
    if (settings.registration() instanceof Registration.InCluster cluster) {
      WebhookRegistration registration =
          new WebhookRegistration(client, cluster.exemptNamespaces());
      if (managedTls.isPresent()) {
        // Publishes the caBundle now and after every rotation; the server follows the Secret.
        managedTls.get().start(server::reload);
      } else {
        registration.apply(cluster.target(), caBundle(settings));
      }
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
   * Ready for admission traffic: the server accepts connections and, with operator-managed
   * certificates, a published caBundle trusts the certificate it serves (the first publication is
   * also what registers the webhook's rules).
   */
  public boolean ready() {
    return server.serving() && managedTls.map(ManagedWebhookTls::registered).orElse(true);
  }

  /**
   * A local run first removes its registration, so the API server stops calling before the server
   * stops answering; then the server drains and stops. Certificates keep following the Secret while
   * the server drains.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      removeOnClose.ifPresent(WebhookRegistration::remove);
      server.close();
      managedTls.ifPresent(ManagedWebhookTls::close);
      namespaces.close();
    }
  }
}
