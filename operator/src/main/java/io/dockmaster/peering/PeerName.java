package io.dockmaster.peering;

import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who is on the other end of a peer connection, as the certificate's common name says: the operator
 * ({@value #OPERATOR}) or the agent on one node ({@value #AGENT_PREFIX}{@code <node>}). Peers are
 * told apart by this name, never by address: agents are reached at pod or host IPs that change when
 * a pod is rescheduled.
 */
public final class PeerName {

  public static final String OPERATOR = "dockmaster-operator";
  public static final String AGENT_PREFIX = "dockmaster-agent:";

  /** A Kubernetes node name: an RFC 1123 DNS subdomain. */
  private static final Pattern NODE_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private static final int MAX_NODE_NAME = 253;

  private final String node;

  private PeerName(String node) {
    this.node = node;
  }

  public static PeerName operator() {
    return new PeerName(null);
  }

  /**
   * @throws IllegalArgumentException when {@code node} is not a valid Kubernetes node name
   */
  public static PeerName agent(String node) {
    if (node == null || node.isEmpty()) {
      throw new IllegalArgumentException("node name must not be empty");
    }
    if (node.length() > MAX_NODE_NAME || !NODE_NAME.matcher(node).matches()) {
      throw new IllegalArgumentException(
          "\""
              + node
              + "\" is not a Kubernetes node name: expected at most 253 lowercase letters, digits,"
              + " '-' and '.', starting and ending with a letter or digit");
    }
    return new PeerName(node);
  }

  /**
   * Reads a common name such as {@code dockmaster-agent:node-1}.
   *
   * @throws IllegalArgumentException when it names neither the operator nor an agent
   */
  public static PeerName parse(String commonName) {
    if (OPERATOR.equals(commonName)) {
      return operator();
    }
    if (commonName != null && commonName.startsWith(AGENT_PREFIX)) {
      return agent(commonName.substring(AGENT_PREFIX.length()));
    }
    throw new IllegalArgumentException(
        "common name \""
            + commonName
            + "\" is neither "
            + OPERATOR
            + " nor "
            + AGENT_PREFIX
            + "<node name>");
  }

  /**
   * The name in a certificate whose subject is exactly one common name.
   *
   * @throws IllegalArgumentException when the subject is anything else
   */
  public static PeerName of(X509Certificate certificate) {
    String subject = certificate.getSubjectX500Principal().getName();
    try {
      LdapName name = new LdapName(subject);
      if (name.size() == 1 && name.getRdn(0).size() == 1) {
        Rdn rdn = name.getRdn(0);
        if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn) {
          return parse(cn);
        }
      }
    } catch (InvalidNameException e) {
      throw new IllegalArgumentException("certificate subject \"" + subject + "\" is unreadable");
    }
    throw new IllegalArgumentException(
        "certificate subject \"" + subject + "\" is not a single common name");
  }

  public boolean isOperator() {
    return node == null;
  }

  /** The agent's node; empty for the operator. */
  public Optional<String> node() {
    return Optional.ofNullable(node);
  }

  public String commonName() {
    return node == null ? OPERATOR : AGENT_PREFIX + node;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PeerName that && commonName().equals(that.commonName());
  }

  @Override
  public int hashCode() {
    return commonName().hashCode();
  }

  @Override
  public String toString() {
    return commonName();
  }
}
