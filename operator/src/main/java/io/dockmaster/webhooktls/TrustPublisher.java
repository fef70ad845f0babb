package io.dockmaster.webhooktls;

/**
 * Where the trust bundle goes: the caBundle of the webhook configuration. Writes are optimistic, so
 * a replica that read an older Secret can never replace a newer caBundle.
 */
public interface TrustPublisher {

  /** The caBundle as published now; {@code version} is empty when nothing is published yet. */
  Published read();

  /**
   * Publishes the bundle, unless the configuration changed since {@code basedOn} was read.
   *
   * @return false when it changed; read again and retry
   */
  boolean publish(String bundlePem, Published basedOn);

  /**
   * @param bundlePem the PEM the API server trusts now; empty when none
   * @param version the configuration's resourceVersion; empty when it does not exist
   */
  record Published(String bundlePem, String version) {}
}
