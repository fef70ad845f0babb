package io.dockmaster.webhooktls;

import io.dockmaster.pki.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's own webhook certificates, run on every replica: keeps a CA and a serving
 * certificate in a Secret, renews them on {@link RotationPlanner}'s schedule, publishes the trust
 * bundle as the webhook's caBundle, and hands every new serving certificate to the server. Replicas
 * coordinate through the API server only: Secret writes are optimistic (one wins, the others read
 * the result), and the caBundle is written from a Secret read after the configuration was read, so
 * a slower replica can never publish an older bundle.
 */
public final class ManagedWebhookTls implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ManagedWebhookTls.class);

  /** Looks again at least this often, in case another replica wrote without publishing. */
  static final Duration RESYNC = Duration.ofMinutes(1);

  private static final Duration FIRST_RETRY = Duration.ofMillis(500);
  private static final int BOOTSTRAP_ATTEMPTS = 10;
  private static final int PASSES_PER_CHECK = 5;

  private final TlsSecretStore store;
  private final RotationPlanner planner;
  private final Rotation rotation;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final TrustPublisher publisher;
  private BiConsumer<String, String> serve;
  private SharedIndexInformer<Secret> informer;
  private ScheduledFuture<?> scheduled;
  private volatile TlsState current;
  private volatile KeyedCertificate served;
  private Duration retry = FIRST_RETRY;
  private String lastProblem;

  /** The first publication goes out even when the bundle matches: it also carries the rules. */
  private boolean published;

  /** The CAs in the caBundle this replica last saw published, once it has published itself. */
  private volatile List<X509Certificate> seenPublished = List.of();

  private volatile boolean closed;

  private ManagedWebhookTls(
      TlsSecretStore store,
      RotationPlanner planner,
      Rotation rotation,
      TrustPublisher publisher,
      Clock clock) {
    this.store = store;
    this.publisher = publisher;
    this.planner = planner;
    this.rotation = rotation;
    this.clock = clock;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "webhook-certificates");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Makes sure the Secret holds a CA and a serving certificate (creating them on first start), so
   * the server can start; publishing and rotation begin with {@link #start}.
   *
   * @param dnsNames the names the serving certificate carries (the Service's)
   * @throws IllegalStateException naming the Secret when it cannot be read or written
   */
  public static ManagedWebhookTls bootstrap(
      KubernetesClient client,
      String namespace,
      String secretName,
      RotationSettings settings,
      List<String> dnsNames,
      TrustPublisher publisher,
      Clock clock) {
    TlsSecretStore store = new TlsSecretStore(client, namespace, secretName);
    ManagedWebhookTls tls =
        new ManagedWebhookTls(
            store,
            new RotationPlanner(settings, dnsNames),
            new Rotation(settings, dnsNames, "dockmaster-webhook-ca", clock),
            publisher,
            clock);
    RuntimeException last = null;
    for (int attempt = 0; attempt < BOOTSTRAP_ATTEMPTS; attempt++) {
      try {
        TlsSecretStore.Stored stored = store.read();
        Optional<TlsState> state = stored.state();
        RotationPlan plan = tls.planner.plan(state, List.of(), clock.instant());
        if (state.isPresent() && !plan.steps().contains(RotationPlan.Step.CREATE_AUTHORITY)) {
          // Servable; whatever else is due happens once publishing starts.
          tls.current = state.get();
          return tls;
        }
        stored.problem().ifPresent(p -> log.warn("{}; replacing them", p));
        TlsState created = tls.rotation.apply(state, plan, readable(publisher.read().bundlePem()));
        if (store.write(created, stored)) {
          log.info("created the webhook CA and serving certificate in Secret {}", store.where());
          tls.current = created;
          return tls;
        }
        // Another replica wrote first: the next read finds its certificates.
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
          tls.close();
          throw new IllegalStateException(e.getMessage(), e);
        }
        last = e;
        sleep(FIRST_RETRY.multipliedBy(attempt + 1));
      } catch (RuntimeException e) {
        last = e;
        sleep(FIRST_RETRY.multipliedBy(attempt + 1));
      }
    }
    tls.close();
    throw new IllegalStateException(
        "cannot set up the webhook certificates in Secret "
            + store.where()
            + (last == null ? "" : ": " + last.getMessage()),
        last);
  }

  /** The certificates the server starts with. */
  public TlsState current() {
    return current;
  }

  /**
   * Starts publishing the caBundle, rotating on schedule and watching the Secret.
   *
   * @param serve receives the PEM chain and key of every new serving certificate
   */
  public synchronized void start(BiConsumer<String, String> serve) {
    this.serve = serve;
    this.served = current.serving();
    executor.execute(this::check);
    // The event's content is not served: an informer can deliver a version older than one this
    // replica wrote a moment ago. Another replica may have rotated, so look again with a fresh
    // read (which is never older than our own write), publish its bundle and reschedule.
    informer = store.inform(secret -> executor.execute(this::check));
  }

  private void serve(TlsState state) {
    current = state;
    X509Certificate leaf = state.serving().certificate();
    if (leaf.getSerialNumber().equals(served.certificate().getSerialNumber())) {
      return;
    }
    try {
      serve.accept(state.servingChainPem(), state.servingKeyPem());
      served = state.serving();
      log.info(
          "admission webhook now serves certificate serial {} (valid until {}, CA {})",
          leaf.getSerialNumber().toString(16),
          leaf.getNotAfter().toInstant(),
          state.authority().certificate().getSubjectX500Principal().getName());
    } catch (RuntimeException e) {
      log.warn("keeping the current webhook certificate: {}", e.getMessage());
    }
  }

  /**
   * Whether the API server can call this replica: a caBundle (with the webhook's rules) has been
   * published and trusts the CA of the certificate served now, and that certificate has not expired
   * (renewal failing for a third of its life, for instance while the Secret cannot be written).
   * Until then the webhook may not even be registered, so readiness must not claim it works.
   */
  public boolean registered() {
    KeyedCertificate leaf = served;
    return leaf != null
        && !leaf.lifetime().expiredAt(clock.instant())
        && seenPublished.stream().anyMatch(leaf::signedBy);
  }

  /** One round on the executor: rotate what is due, publish, and schedule the next round. */
  private void check() {
    if (closed) {
      return;
    }
    Instant next;
    try {
      next = rotateAndPublish();
      retry = FIRST_RETRY;
      lastProblem = null;
    } catch (RuntimeException e) {
      if (!String.valueOf(e.getMessage()).equals(lastProblem)) {
        lastProblem = String.valueOf(e.getMessage());
        log.warn(
            "cannot check the webhook certificates in Secret {} (retrying in {}): {}",
            store.where(),
            retry,
            e.getMessage());
      }
      next = clock.instant().plus(retry);
      retry = retry.multipliedBy(2).compareTo(RESYNC) > 0 ? RESYNC : retry.multipliedBy(2);
    }
    schedule(next);
  }

  /**
   * @return when to look again
   */
  private Instant rotateAndPublish() {
    for (int pass = 0; pass < PASSES_PER_CHECK; pass++) {
      // The configuration first, then the Secret: what this pass publishes is never older than
      // what the configuration already holds.
      TrustPublisher.Published published = publisher.read();
      TlsSecretStore.Stored stored = store.read();
      stored.problem().ifPresent(p -> log.warn("{}; replacing them", p));
      Instant now = clock.instant();
      List<X509Certificate> trustedNow = readable(published.bundlePem());
      RotationPlan plan = planner.plan(stored.state(), trustedNow, now);
      TlsState state;
      if (plan.changes()) {
        state = rotation.apply(stored.state(), plan, trustedNow);
        if (!store.write(state, stored)) {
          continue;
        }
        log.info("webhook certificates: {} ({})", plan.steps(), plan.reason());
      } else {
        state = stored.state().orElseThrow();
      }
      serve(state);
      if (!this.published || !state.trustBundlePem().equals(published.bundlePem())) {
        if (!publisher.publish(state.trustBundlePem(), published)) {
          continue;
        }
        this.published = true;
        log.info(
            "published a caBundle of {} CA(s) for the admission webhook", state.trusted().size());
      }
      seenPublished = state.trusted();
      if (!plan.changes()) {
        Instant resync = now.plus(RESYNC);
        return plan.nextCheck().isBefore(resync) ? plan.nextCheck() : resync;
      }
    }
    // Writers kept racing: look again shortly.
    return clock.instant().plus(FIRST_RETRY);
  }

  /** A caBundle someone else broke counts as none: ours replaces it. */
  private static List<X509Certificate> readable(String bundlePem) {
    try {
      return Pem.readCertificates(bundlePem, "the published caBundle");
    } catch (IllegalArgumentException e) {
      log.warn("replacing the webhook's caBundle: {}", e.getMessage());
      return List.of();
    }
  }

  private void schedule(Instant at) {
    if (closed) {
      return;
    }
    if (scheduled != null) {
      scheduled.cancel(false);
    }
    long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    scheduled = executor.schedule(this::check, delay, TimeUnit.MILLISECONDS);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while setting up the webhook certificates", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    if (informer != null) {
      informer.close();
    }
    executor.shutdownNow();
  }
}
