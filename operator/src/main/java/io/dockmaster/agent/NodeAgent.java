package io.dockmaster.agent;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.control.AgentLease;
import io.dockmaster.operator.HealthServer;
import io.dockmaster.operator.ProcessMeters;
import io.dockmaster.peering.AgentCertificateAuthority;
import io.dockmaster.peering.AgentCertificateRequester;
import io.dockmaster.peering.CertificateRequestException;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.peering.RenewalSchedule;
import io.dockmaster.peering.RenewingIdentity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node agent: the blob cache, the peer and runtime listeners, the transfer runner and the Lease
 * that announces it, wired together and stopped in the reverse order — the Lease first, so the
 * operator stops sending peers here before the listeners close.
 */
public final class NodeAgent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
  private static final int MAX_STREAMS = 256;

  /**
   * For a peer's status and headers; a relay not receiving the blob yet answers within {@link
   * #relayWait}.
   */
  static final Duration PEER_RESPONSE_TIMEOUT = Duration.ofSeconds(15);

  /**
   * How long this agent, asked by a peer for a blob it was ordered to fetch but has not started,
   * waits for that transfer to start. Shorter than {@link #PEER_RESPONSE_TIMEOUT}, so the peer gets
   * a definite 404 (the source does not have it) rather than giving up first and blaming the link.
   */
  static Duration relayWait(Duration stallTimeout) {
    Duration beforePeerGivesUp = PEER_RESPONSE_TIMEOUT.minusSeconds(5);
    return stallTimeout.compareTo(beforePeerGivesUp) < 0 ? stallTimeout : beforePeerGivesUp;
  }

  private final Deque<AutoCloseable> parts;
  private final AgentServer server;
  private final HealthServer health;

  private NodeAgent(Deque<AutoCloseable> parts, AgentServer server, HealthServer health) {
    this.parts = parts;
    this.server = server;
    this.health = health;
  }

  /**
   * @throws IOException when the cache directory is unusable
   * @throws CertificateRequestException when no certificate could be obtained
   * @throws IllegalStateException when a port is taken
   */
  public static NodeAgent start(KubernetesClient client, AgentSettings settings)
      throws IOException, CertificateRequestException {
    Deque<AutoCloseable> parts = new ArrayDeque<>();
    try {
      return start(client, settings, parts);
    } catch (IOException | CertificateRequestException | RuntimeException e) {
      closeAll(parts);
      throw e;
    }
  }

  private static NodeAgent start(
      KubernetesClient client, AgentSettings settings, Deque<AutoCloseable> parts)
      throws IOException, CertificateRequestException {
    Clock clock = Clock.systemUTC();
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    parts.push(ProcessMeters.bindTo(meters));
    BlobCache cache = BlobCache.open(settings.cacheDirectory(), settings.cacheLimits(), meters);
    parts.push(cache);

    X509Certificate ca =
        AgentCertificateAuthority.publishedCertificate(client, settings.namespace());
    ScheduledExecutorService renewals =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "certificate-renewal"));
    parts.push(renewals::shutdownNow);
    AgentCertificateRequester requester =
        new AgentCertificateRequester(client, settings.namespace(), settings.node());
    RenewingIdentity identity =
        RenewingIdentity.start(requester::request, renewals, RenewalSchedule.standard(), clock);
    parts.push(identity);
    PeerTls tls = new PeerTls(identity, ca);

    Vertx vertx = Vertx.vertx();
    parts.push(
        () -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    PeerBlobClient peers =
        new PeerBlobClient(vertx, tls, PEER_RESPONSE_TIMEOUT, settings.stallTimeout());
    parts.push(peers);
    TransferLedger ledger = new TransferLedger();
    AgentMetrics metrics = new AgentMetrics(meters, ledger::inFlightCount);
    MirrorBandwidth bandwidth =
        new MirrorBandwidth(
            Bandwidth.of(settings.uploadBytesPerSecond()),
            Bandwidth.of(settings.downloadBytesPerSecond()));
    TransferRunner runner =
        new TransferRunner(
            cache,
            new BlobSources(settings.registry(), peers),
            ledger,
            bandwidth,
            metrics,
            settings.stallTimeout(),
            settings.relayWindowBytes(),
            settings.transferParallelism());
    parts.push(runner);

    AtomicReference<String> runtimeEndpoint = new AtomicReference<>();
    RuntimeTags tags = new RuntimeTags();
    RuntimeMirrorConfig runtime =
        new RuntimeMirrorConfig(settings.containerdConfigDir(), runtimeEndpoint::get, tags);
    parts.push(runtime::removeAll);

    AtomicInteger streamThreads = new AtomicInteger();
    ThreadPoolExecutor streams =
        new ThreadPoolExecutor(
            0,
            MAX_STREAMS,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> daemon(r, "blob-stream-" + streamThreads.incrementAndGet()));
    parts.push(streams::shutdownNow);
    BlobResponder responder =
        new BlobResponder(
            cache,
            ledger,
            tags,
            bandwidth,
            metrics,
            streams,
            relayWait(settings.stallTimeout()).toMillis(),
            ByteBufAllocator.DEFAULT);
    BlobVerifier verifier = new BlobVerifier(cache, ledger.changes());
    parts.push(verifier);
    if (settings.scrub().enabled()) {
      long spreadMillis = settings.scrub().interval().toMillis();
      parts.push(
          new BlobScrubber(
              cache,
              verifier,
              settings.scrub(),
              metrics,
              Duration.ofMillis(ThreadLocalRandom.current().nextLong(Math.max(1, spreadMillis)))));
    }
    ControlHandler control =
        new ControlHandler(
            settings.node(), vertx, cache, ledger, runner, runtime, metrics, bandwidth, verifier);
    AgentServer server = AgentServer.start(vertx, settings, tls, responder, control);
    parts.push(server);
    runtimeEndpoint.set("http://" + settings.runtimeBindAddress() + ":" + server.runtimePort());

    HealthServer health =
        HealthServer.start(
            settings.healthBindAddress(), settings.healthPort(), meters, () -> true, () -> true);
    parts.push(health);

    String endpoint = settings.peerEndpoint(server.peerPort());
    int leaseSeconds = (int) Math.max(3, settings.leaseDuration().toSeconds());
    Instant started = clock.instant();
    AgentRegistration registration =
        new AgentRegistration(
            client,
            settings.namespace(),
            now ->
                new AgentLease(
                    settings.node(),
                    endpoint,
                    settings.platform(),
                    settings.uploadBytesPerSecond(),
                    settings.downloadBytesPerSecond(),
                    started,
                    now,
                    leaseSeconds,
                    Set.of(AgentLease.PIECES)),
            clock);
    registration.start(settings.leaseDuration().dividedBy(3));
    parts.push(registration);
    log.info(
        "agent for node {} serving peers at {}, the container runtime at {}, cache {} ({})",
        settings.node(),
        endpoint,
        runtimeEndpoint.get(),
        settings.cacheDirectory(),
        cache.usage());
    return new NodeAgent(parts, server, health);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  public int peerPort() {
    return server.peerPort();
  }

  public int runtimePort() {
    return server.runtimePort();
  }

  public int healthPort() {
    return health.port();
  }

  @Override
  public void close() {
    closeAll(parts);
  }

  private static void closeAll(Deque<AutoCloseable> parts) {
    while (!parts.isEmpty()) {
      AutoCloseable part = parts.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.warn("stopping {} failed: {}", part, e.toString());
      }
    }
  }
}
