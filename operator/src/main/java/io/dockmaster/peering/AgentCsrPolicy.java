package io.dockmaster.peering;

import java.time.Duration;
import java.util.List;

/**
 * What {@link AgentCsrSigner} accepts.
 *
 * @param allowedRequesters the users that may request agent certificates, as the API server records
 *     them in {@code spec.username}, e.g. {@value #DEFAULT_REQUESTER}
 * @param requireNodeBinding whether the requester's token must name its node (the API server adds
 *     {@value CsrReview#NODE_NAME_EXTRA} to tokens of pods since Kubernetes 1.30), so an agent can
 *     only get a certificate for the node it runs on. When the token names a node, it must match
 *     the requested one either way.
 * @param maxValidity the longest certificate issued; shorter when the request asks for less
 */
public record AgentCsrPolicy(
    List<String> allowedRequesters, boolean requireNodeBinding, Duration maxValidity) {

  public static final String DEFAULT_REQUESTER =
      "system:serviceaccount:dockmaster:dockmaster-agent";
  public static final Duration DEFAULT_MAX_VALIDITY = Duration.ofHours(24);

  public AgentCsrPolicy {
    allowedRequesters = List.copyOf(allowedRequesters);
    if (allowedRequesters.isEmpty() || allowedRequesters.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException(
          "allowed agent requesters must name at least one user, e.g. " + DEFAULT_REQUESTER);
    }
    if (maxValidity.compareTo(Duration.ofMinutes(10)) < 0) {
      throw new IllegalArgumentException(
          "the maximum agent certificate validity must be at least 10m (the shortest"
              + " CertificateSigningRequest.spec.expirationSeconds allows), got "
              + maxValidity);
    }
  }

  /** Node binding required, certificates for at most {@link #DEFAULT_MAX_VALIDITY}. */
  public static AgentCsrPolicy of(List<String> allowedRequesters) {
    return new AgentCsrPolicy(allowedRequesters, true, DEFAULT_MAX_VALIDITY);
  }

  /** The user name of a service account's tokens. */
  public static String serviceAccountUser(String namespace, String name) {
    return "system:serviceaccount:" + namespace + ":" + name;
  }

  public AgentCsrPolicy withoutNodeBinding() {
    return new AgentCsrPolicy(allowedRequesters, false, maxValidity);
  }
}
