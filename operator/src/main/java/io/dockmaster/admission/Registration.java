package io.dockmaster.admission;

import java.util.List;

/** Who registers the webhook with the API server, and how it is reached. */
public sealed interface Registration {

  /** The Helm chart or an administrator owns the ValidatingWebhookConfiguration. */
  record External() implements Registration {}

  /**
   * A run outside the cluster: fresh self-signed certificates in the certificate directory, the API
   * server calling {@code https://127.0.0.1:<port>/validate}, and the registration removed on
   * close.
   *
   * @param exemptNamespaces never sent to the webhook besides kube-system; include the operator's
   */
  record Local(List<String> exemptNamespaces) implements Registration {
    public Local {
      exemptNamespaces = List.copyOf(exemptNamespaces);
    }
  }

  /**
   * Every replica registers the same target (in a cluster, the operator's Service) and keeps the
   * registration on close, since other replicas keep serving. The caBundle comes from {@code
   * ca.crt} in the certificate directory (as the chart or cert-manager writes it), or from the
   * Secret when the operator manages the certificates.
   */
  record InCluster(WebhookTarget target, List<String> exemptNamespaces) implements Registration {
    public InCluster {
      exemptNamespaces = List.copyOf(exemptNamespaces);
    }

    public InCluster(
        String serviceNamespace, String serviceName, int servicePort, List<String> exempt) {
      this(new WebhookTarget.Service(serviceNamespace, serviceName, servicePort), exempt);
    }
  }
}
