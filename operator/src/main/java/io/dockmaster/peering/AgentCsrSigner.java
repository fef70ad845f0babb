package io.dockmaster.peering;

import io.dockmaster.pki.Pem;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.CertificateSigningRequestResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approves and signs, or denies, the CertificateSigningRequests for signer {@link
 * #signerName(String)}. Only the operator leader runs it: {@link #start()} when leading, {@link
 * #stop()} when not.
 *
 * <p>A pending request is judged by {@link CsrReview} and either approved and signed, or denied
 * with every problem in the condition's message. A request someone else approved but nobody signed
 * (also ours, after a crash between the two steps) is judged again before signing, and marked
 * Failed if it does not pass. Denied, failed and issued requests are left alone. Finished requests
 * are not deleted here: the cluster's csrcleaner (kube-controller-manager) removes them an hour
 * after approval or denial.
 */
public final class AgentCsrSigner implements AutoCloseable {

  /** Signer names of Dockmaster installs: {@code agents.dockmaster.io/<operator namespace>}. */
  public static final String SIGNER_DOMAIN = "agents.dockmaster.io";

  private static final Logger log = LoggerFactory.getLogger(AgentCsrSigner.class);
  private static final String REASON_APPROVED = "AgentPolicySatisfied";
  private static final String REASON_DENIED = "AgentPolicyViolated";

  /** Retries what failed (an API conflict, an outage) without waiting for the next change. */
  private static final Duration RESYNC = Duration.ofMinutes(1);

  private final KubernetesClient client;
  private final AgentCertificateAuthority ca;
  private final CsrReview review;
  private final Clock clock;
  private final String signerName;
  private SharedIndexInformer<CertificateSigningRequest> informer;

  /** Stopping interrupts the handler's API calls; those failures are expected, not warnings. */
  private volatile boolean running;

  /**
   * @param namespace the operator's namespace: this install signs only its own agents' requests, so
   *     two installs in one cluster neither sign nor deny each other's
   */
  public AgentCsrSigner(
      KubernetesClient client,
      String namespace,
      AgentCertificateAuthority ca,
      AgentCsrPolicy policy,
      Clock clock) {
    this.client = client;
    this.signerName = signerName(namespace);
    this.ca = ca;
    this.review = new CsrReview(policy);
    this.clock = clock;
  }

  /** The signerName agents of the install in {@code namespace} put on their requests. */
  public static String signerName(String namespace) {
    return SIGNER_DOMAIN + "/" + namespace;
  }

  public synchronized void start() {
    if (informer != null) {
      return;
    }
    running = true;
    informer =
        client
            .certificates()
            .v1()
            .certificateSigningRequests()
            .withField("spec.signerName", signerName)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(CertificateSigningRequest csr) {
                    handle(csr);
                  }

                  @Override
                  public void onUpdate(
                      CertificateSigningRequest old, CertificateSigningRequest csr) {
                    handle(csr);
                  }

                  @Override
                  public void onDelete(CertificateSigningRequest csr, boolean unknownFinalState) {}
                },
                RESYNC.toMillis());
    log.info("signing CertificateSigningRequests for {}", signerName);
  }

  public synchronized void stop() {
    if (informer != null) {
      running = false;
      informer.stop();
      informer = null;
      log.info("stopped signing CertificateSigningRequests for {}", signerName);
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** Acts on one request as the informer delivers it; failures are retried at the next resync. */
  private void handle(CertificateSigningRequest csr) {
    String name = csr.getMetadata().getName();
    if (!signerName.equals(csr.getSpec().getSignerName()) || finished(csr.getStatus())) {
      return;
    }
    try {
      CsrDecision decision = review.review(csr.getSpec());
      if (has(csr.getStatus(), "Approved")) {
        // Usually our own approval echoed back after we signed: look again before signing twice.
        CertificateSigningRequest latest = resource(name).get();
        if (latest != null && !finished(latest.getStatus())) {
          signApproved(latest, decision);
        }
      } else if (decision instanceof CsrDecision.Approve approve) {
        CertificateSigningRequest approved =
            resource(name)
                .approve(
                    condition(
                        "Approved",
                        REASON_APPROVED,
                        approve.agent()
                            + " requested by "
                            + csr.getSpec().getUsername()
                            + " meets the agent certificate policy"));
        sign(approved, approve);
      } else if (decision instanceof CsrDecision.Deny deny) {
        resource(name).deny(condition("Denied", REASON_DENIED, deny.message()));
        log.warn("denied CertificateSigningRequest {}: {}", name, deny.message());
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        log.debug("CertificateSigningRequest {} changed while being handled; retrying later", name);
      } else {
        warnRetrying(name, e);
      }
    } catch (RuntimeException e) {
      warnRetrying(name, e);
    }
  }

  private void warnRetrying(String name, RuntimeException e) {
    if (!running) {
      log.debug("stopped while handling CertificateSigningRequest {}: {}", name, e.getMessage());
      return;
    }
    log.warn(
        "cannot finish CertificateSigningRequest {} (retrying within {}): {}",
        name,
        RESYNC,
        e.getMessage());
  }

  private void signApproved(CertificateSigningRequest csr, CsrDecision decision) {
    if (decision instanceof CsrDecision.Approve approve) {
      sign(csr, approve);
      return;
    }
    String message = ((CsrDecision.Deny) decision).message();
    csr.getStatus().getConditions().add(condition("Failed", REASON_DENIED, message));
    client.certificates().v1().certificateSigningRequests().resource(csr).updateStatus();
    log.warn(
        "refused to sign approved CertificateSigningRequest {}: {}",
        csr.getMetadata().getName(),
        message);
  }

  private void sign(CertificateSigningRequest csr, CsrDecision.Approve approve) {
    X509Certificate certificate =
        ca.issueAgentCertificate(approve.key(), approve.agent(), approve.validity());
    csr.getStatus()
        .setCertificate(
            Base64.getEncoder()
                .encodeToString(Pem.certificate(certificate).getBytes(StandardCharsets.US_ASCII)));
    client.certificates().v1().certificateSigningRequests().resource(csr).updateStatus();
    log.info(
        "signed CertificateSigningRequest {} for {} (serial {}, valid until {})",
        csr.getMetadata().getName(),
        approve.agent(),
        certificate.getSerialNumber().toString(16),
        certificate.getNotAfter().toInstant());
  }

  private CertificateSigningRequestResource<CertificateSigningRequest> resource(String name) {
    return client.certificates().v1().certificateSigningRequests().withName(name);
  }

  private CertificateSigningRequestCondition condition(String type, String reason, String message) {
    return new CertificateSigningRequestConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastUpdateTime(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString())
        .build();
  }

  private static boolean finished(CertificateSigningRequestStatus status) {
    return status != null
        && ((status.getCertificate() != null && !status.getCertificate().isEmpty())
            || has(status, "Denied")
            || has(status, "Failed"));
  }

  private static boolean has(CertificateSigningRequestStatus status, String type) {
    List<CertificateSigningRequestCondition> conditions =
        status == null ? null : status.getConditions();
    return conditions != null
        && conditions.stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
