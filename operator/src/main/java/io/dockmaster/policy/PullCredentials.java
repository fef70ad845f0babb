package io.dockmaster.policy;

import io.dockmaster.registry.CredentialsProvider;
import java.util.List;

/** Registry credentials of a pod: its imagePullSecrets, read from its namespace. */
public interface PullCredentials {

  /** Never throws: a missing or malformed Secret contributes nothing, as for the kubelet. */
  CredentialsProvider forPod(String namespace, List<String> pullSecrets);
}
