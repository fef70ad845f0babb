package io.dockmaster.admission;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** Where the API server sends AdmissionReviews. */
public sealed interface WebhookTarget {

  String PATH = "/validate";

  WebhookClientConfig clientConfig(String caBundlePem);

  /** The DNS names the serving certificate must carry for the API server to accept it. */
  List<String> dnsNames();

  /** A local run: the API server calls this machine's loopback address directly. */
  record Loopback(int port) implements WebhookTarget {
    public String url() {
      return "https://" + WebhookCertificates.LOOPBACK_IP + ":" + port + PATH;
    }

    @Override
    public List<String> dnsNames() {
      // The certificate carries 127.0.0.1 as an IP address besides.
      return List.of("localhost");
    }

    @Override
    public WebhookClientConfig clientConfig(String caBundlePem) {
      return new WebhookClientConfigBuilder()
          .withUrl(url())
          .withCaBundle(base64(caBundlePem))
          .build();
    }
  }

  /** In a cluster: the operator's Service, whose DNS name the serving certificate must carry. */
  record Service(String namespace, String name, int port) implements WebhookTarget {
    @Override
    public List<String> dnsNames() {
      return List.of(
          name,
          name + "." + namespace,
          name + "." + namespace + ".svc",
          name + "." + namespace + ".svc.cluster.local");
    }

    @Override
    public WebhookClientConfig clientConfig(String caBundlePem) {
      return new WebhookClientConfigBuilder()
          .withNewService()
          .withNamespace(namespace)
          .withName(name)
          .withPort(port)
          .withPath(PATH)
          .endService()
          .withCaBundle(base64(caBundlePem))
          .build();
    }
  }

  private static String base64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
