package io.dockmaster.admission;

import io.dockmaster.admission.AdmissionReviewCodec.MalformedReviewException;
import io.dockmaster.pki.ReloadingKeyManager;
import io.dockmaster.policy.PodReviewer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS server the API server calls: {@code POST /validate}. Its certificate can be replaced
 * while it serves: connections already open keep the old one, new connections get the new one.
 */
public final class WebhookServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);
  private static final long LIFECYCLE_SECONDS = 10;

  private static final String WARM_UP_REVIEW =
      """
      {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "warm-up", "operation": "CREATE", "namespace": "default", "name": "warm-up",
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "object": {"apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": {"name": "warm-up", "namespace": "default"},
          "spec": {"template": {"spec": {
            "containers": [{"name": "app", "image": "registry.example.com/app:1"}]}}}}}}
      """;

  private final AdmissionSettings settings;
  private final Vertx vertx;
  private final HttpServer server;
  private final ReviewWorkers workers;
  private final RequestGate gate;
  private final CertificateWatcher watcher;
  private final AtomicReference<ServingCertificate> serving;
  private final ServedConnections connections;
  private final AtomicBoolean closed = new AtomicBoolean();

  private WebhookServer(
      AdmissionSettings settings,
      Vertx vertx,
      HttpServer server,
      ReviewWorkers workers,
      RequestGate gate,
      CertificateWatcher watcher,
      AtomicReference<ServingCertificate> serving,
      ServedConnections connections) {
    this.settings = settings;
    this.vertx = vertx;
    this.server = server;
    this.workers = workers;
    this.gate = gate;
    this.watcher = watcher;
    this.serving = serving;
    this.connections = connections;
  }

  /**
   * Starts serving with the certificate in {@code settings.certDirectory()}, re-read when it
   * changes.
   *
   * @throws IllegalStateException when the certificate is unusable or the port is taken
   */
  public static WebhookServer start(
      AdmissionSettings settings,
      PodReviewer reviewer,
      NamespaceLabels namespaces,
      MeterRegistry registry) {
    return start(settings, reviewer, namespaces, registry, Optional.empty());
  }

  /**
   * Starts serving with {@code certificate}, or with the one in {@code settings.certDirectory()}
   * (re-read when it changes) when empty. A given certificate is replaced through {@link #reload}.
   *
   * @throws IllegalStateException when the certificate is unusable or the port is taken
   */
  public static WebhookServer start(
      AdmissionSettings settings,
      PodReviewer reviewer,
      NamespaceLabels namespaces,
      MeterRegistry registry,
      Optional<ServingCertificate> certificate) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    AdmissionReviewCodec codec = new AdmissionReviewCodec(serialization);
    PodSpecLocator locator = new PodSpecLocator(serialization);
    warmUp(codec, locator);
    AnswerBuilder answers = new AnswerBuilder();
    AdmissionJudge judge = new AdmissionJudge(locator, namespaces, reviewer, answers);
    Vertx vertx = Vertx.vertx();
    ReviewWorkers workers =
        new ReviewWorkers(judge, answers, settings.reviewDeadline(), settings.workerThreads());
    RequestGate gate = new RequestGate();
    try {
      CertificateWatcher watcher =
          new CertificateWatcher(vertx, settings.certFile(), settings.keyFile());
      AtomicReference<ServingCertificate> serving =
          new AtomicReference<>(certificate.orElseGet(() -> loadInitial(watcher, settings)));
      ServedConnections connections = new ServedConnections();
      ValidateHandler validate =
          new ValidateHandler(
              codec, workers, new AdmissionMetrics(registry), gate, settings.maxBodyBytes());
      HttpServer server =
          vertx
              .createHttpServer(
                  new HttpServerOptions()
                      .setHost(settings.bindAddress())
                      .setPort(settings.port())
                      .setSsl(true)
                      .setKeyCertOptions(
                          KeyCertOptions.wrap(ReloadingKeyManager.forServer(serving::get)))
                      // The API server keeps connections open between calls.
                      .setIdleTimeout(90)
                      .setIdleTimeoutUnit(TimeUnit.SECONDS))
              .requestHandler(
                  request -> {
                    connections.track(request);
                    validate.handle(request);
                  });
      listen(server, settings);
      WebhookServer webhook =
          new WebhookServer(settings, vertx, server, workers, gate, watcher, serving, connections);
      if (certificate.isEmpty() && !settings.certificatePollInterval().isZero()) {
        watcher.start(settings.certificatePollInterval(), webhook::apply);
      }
      log.info(
          "admission webhook listening on https://{}:{}{} (review deadline {})",
          settings.bindAddress(),
          server.actualPort(),
          WebhookTarget.PATH,
          ReviewWorkers.format(settings.reviewDeadline()));
      return webhook;
    } catch (RuntimeException e) {
      workers.close();
      vertx.close();
      throw e;
    }
  }

  public int port() {
    return server.actualPort();
  }

  /** The certificate new connections get. */
  public ServingCertificate certificate() {
    return serving.get();
  }

  /** False once close() has begun: the webhook no longer takes requests. */
  public boolean serving() {
    return !closed.get();
  }

  /**
   * Serves this certificate to new connections from now on, without dropping any request.
   *
   * @throws IllegalArgumentException when the PEM is unusable or the key does not match; the
   *     current certificate stays
   */
  public void reload(String chainPem, String keyPem) {
    apply(ServingCertificate.parse(chainPem, keyPem));
  }

  private void apply(ServingCertificate next) {
    serving.set(next);
  }

  /**
   * Stops without refusing a request: readiness turns false at once ({@link #serving}); for the
   * shutdown delay every request is still answered, each answer closing its connection, while the
   * Service's endpoints drop this replica; then idle connections are closed, requests that still
   * arrive are turned away (503), and those in flight may finish for up to the drain timeout. Safe
   * to call more than once.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    watcher.close();
    connections.startDraining();
    try {
      if (!settings.shutdownDelay().isZero()) {
        log.info(
            "admission webhook draining: answering for {} more while endpoints drop this replica",
            ReviewWorkers.format(settings.shutdownDelay()));
        Thread.sleep(settings.shutdownDelay().toMillis());
      }
      connections.closeIdle();
      if (!gate.closeAndAwait(settings.drainTimeout())) {
        log.warn(
            "{} admission reviews still running after {}; stopping anyway",
            gate.inFlight(),
            ReviewWorkers.format(settings.drainTimeout()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.close();
    vertx
        .close()
        .toCompletionStage()
        .toCompletableFuture()
        .orTimeout(LIFECYCLE_SECONDS, TimeUnit.SECONDS)
        .exceptionally(failure -> null)
        .join();
    log.info("admission webhook stopped");
  }

  /**
   * Jackson builds its serializers for the pod model on first use, about a second on a cold JVM;
   * paid here rather than inside the first request's deadline.
   */
  private static void warmUp(AdmissionReviewCodec codec, PodSpecLocator locator) {
    try {
      locator.locate(codec.read(WARM_UP_REVIEW.getBytes(StandardCharsets.UTF_8)));
    } catch (MalformedReviewException e) {
      throw new IllegalStateException("the built-in AdmissionReview does not parse", e);
    }
  }

  private static ServingCertificate loadInitial(
      CertificateWatcher watcher, AdmissionSettings settings) {
    try {
      return watcher.load();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "cannot serve the admission webhook with the certificate in "
              + settings.certDirectory()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static void listen(HttpServer server, AdmissionSettings settings) {
    try {
      server
          .listen()
          .toCompletionStage()
          .toCompletableFuture()
          .get(LIFECYCLE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening the webhook port", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot listen on "
              + settings.bindAddress()
              + ":"
              + settings.port()
              + " for the admission webhook ("
              + rootMessage(e)
              + "); pick another port with --webhook-port",
          e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
