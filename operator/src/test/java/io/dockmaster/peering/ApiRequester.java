package io.dockmaster.peering;

import io.dockmaster.pki.P256Keys;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * Who the API server takes a test client for, as it writes it into a CertificateSigningRequest's
 * spec.username: what an agent CSR policy must allow for agents running with that client.
 */
public final class ApiRequester {

  private ApiRequester() {}

  public static String usernameOf(KubernetesClient client) {
    String name = "whoami-" + UUID.randomUUID();
    String pem = CsrReviewTest.request(P256Keys.generate(), "CN=dockmaster-agent:whoami");
    CertificateSigningRequest probe =
        new CertificateSigningRequestBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withSignerName("example.com/whoami")
            .withRequest(
                Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)))
            .withUsages(CsrReview.USAGES)
            .endSpec()
            .build();
    try {
      return client
          .certificates()
          .v1()
          .certificateSigningRequests()
          .resource(probe)
          .create()
          .getSpec()
          .getUsername();
    } finally {
      client.certificates().v1().certificateSigningRequests().withName(name).delete();
    }
  }
}
