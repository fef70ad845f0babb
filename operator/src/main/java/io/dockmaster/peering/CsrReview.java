package io.dockmaster.peering;

import io.dockmaster.pki.Pem;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestSpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Decides whether an agent's CertificateSigningRequest may be signed. Accepted: a request from an
 * allowed user, for exactly {@code CN=dockmaster-agent:<node>} and nothing else (no other subject
 * attributes, no subject alternative names: peers check each other by common name, not address),
 * with exactly the usages {@link #USAGES}, for an ECDSA P-256 or RSA (2048 bits or more) key.
 * Extensions the request asks for other than SANs are ignored: the certificate carries only those
 * the CA chooses.
 */
final class CsrReview {

  /** What the API server adds to a pod-bound service account token's user info. */
  static final String NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

  static final List<String> USAGES = List.of("digital signature", "server auth", "client auth");

  private static final int MIN_RSA_BITS = 2048;

  private final AgentCsrPolicy policy;

  CsrReview(AgentCsrPolicy policy) {
    this.policy = policy;
  }

  CsrDecision review(CertificateSigningRequestSpec spec) {
    List<String> problems = new ArrayList<>();
    checkRequester(spec, problems);
    PKCS10CertificationRequest request;
    try {
      request = Pem.readRequest(decode(spec.getRequest()), "spec.request");
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return new CsrDecision.Deny(String.join("; ", problems));
    }
    PublicKey key = checkKey(request, problems);
    PeerName agent = checkSubject(request.getSubject(), problems);
    if (agent != null) {
      checkNodeBinding(spec.getExtra(), agent, problems);
    }
    checkNoAlternativeNames(request, problems);
    checkUsages(spec.getUsages(), problems);
    if (!problems.isEmpty()) {
      return new CsrDecision.Deny(String.join("; ", problems));
    }
    return new CsrDecision.Approve(agent, key, validity(spec.getExpirationSeconds()));
  }

  private void checkRequester(CertificateSigningRequestSpec spec, List<String> problems) {
    String user = spec.getUsername();
    if (!policy.allowedRequesters().contains(user)) {
      List<String> allowed = policy.allowedRequesters();
      problems.add(
          "requested by user "
              + (user == null ? "<none>" : user)
              + ", expected "
              + (allowed.size() == 1 ? allowed.get(0) : "one of " + allowed));
    }
  }

  /** The key, if it is strong enough and signed the request (proof of possession). */
  private static PublicKey checkKey(PKCS10CertificationRequest request, List<String> problems) {
    SubjectPublicKeyInfo info = request.getSubjectPublicKeyInfo();
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    try {
      if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
        ASN1Encodable curve = info.getAlgorithm().getParameters();
        if (!SECObjectIdentifiers.secp256r1.equals(curve)) {
          String name =
              curve instanceof ASN1ObjectIdentifier oid && ECNamedCurveTable.getName(oid) != null
                  ? ECNamedCurveTable.getName(oid)
                  : String.valueOf(curve);
          problems.add("the key is EC on curve " + name + ", expected ECDSA P-256 or RSA 2048+");
          return null;
        }
      } else if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
        int bits =
            ((RSAPublicKey) new JcaPKCS10CertificationRequest(request).getPublicKey())
                .getModulus()
                .bitLength();
        if (bits < MIN_RSA_BITS) {
          problems.add(
              "the key is RSA with "
                  + bits
                  + " bits, expected ECDSA P-256 or RSA with at least "
                  + MIN_RSA_BITS
                  + " bits");
          return null;
        }
      } else {
        problems.add(
            "the key algorithm is " + algorithm.getId() + ", expected ECDSA P-256 or RSA 2048+");
        return null;
      }
      PublicKey key = new JcaPKCS10CertificationRequest(request).getPublicKey();
      if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        problems.add("the request's signature does not verify with its own public key");
        return null;
      }
      return key;
    } catch (PKCSException | OperatorCreationException | GeneralSecurityException e) {
      problems.add("the request's public key or signature is unreadable: " + e.getMessage());
      return null;
    }
  }

  private static PeerName checkSubject(X500Name subject, List<String> problems) {
    RDN[] rdns = subject.getRDNs();
    String expected = "expected exactly CN=" + PeerName.AGENT_PREFIX + "<node name>";
    if (rdns.length != 1
        || rdns[0].isMultiValued()
        || !BCStyle.CN.equals(rdns[0].getFirst().getType())
        || !(rdns[0].getFirst().getValue() instanceof ASN1String value)) {
      problems.add("the subject is \"" + subject + "\", " + expected);
      return null;
    }
    try {
      PeerName name = PeerName.parse(value.getString());
      if (name.isOperator()) {
        problems.add(
            "the subject is the operator's, which is never issued by request, " + expected);
        return null;
      }
      return name;
    } catch (IllegalArgumentException e) {
      problems.add("the subject's " + e.getMessage() + ", " + expected);
      return null;
    }
  }

  private void checkNodeBinding(
      Map<String, List<String>> extra, PeerName agent, List<String> problems) {
    List<String> nodes = extra == null ? null : extra.get(NODE_NAME_EXTRA);
    String node = agent.node().orElseThrow();
    if (nodes == null || nodes.isEmpty()) {
      if (policy.requireNodeBinding()) {
        problems.add(
            "the requester's token names no node ("
                + NODE_NAME_EXTRA
                + "): the agent must authenticate with its pod's service account token so the"
                + " request can be tied to node "
                + node);
      }
      return;
    }
    if (!nodes.equals(List.of(node))) {
      problems.add(
          "the requester runs on node "
              + String.join(",", nodes)
              + " but asks for a certificate for node "
              + node);
    }
  }

  private static void checkNoAlternativeNames(
      PKCS10CertificationRequest request, List<String> problems) {
    List<String> names = new ArrayList<>();
    for (Attribute attribute :
        request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      for (ASN1Encodable value : attribute.getAttributeValues()) {
        Extension san =
            Extensions.getInstance(value).getExtension(Extension.subjectAlternativeName);
        if (san != null) {
          for (GeneralName name : GeneralNames.getInstance(san.getParsedValue()).getNames()) {
            names.add(name.toString());
          }
        }
      }
    }
    if (!names.isEmpty()) {
      problems.add(
          "the request asks for subject alternative names "
              + names
              + " but agents are identified by their common name only: request none");
    }
  }

  private static void checkUsages(List<String> usages, List<String> problems) {
    List<String> requested = usages == null ? List.of() : usages;
    if (requested.size() != USAGES.size()
        || !new LinkedHashSet<>(requested).equals(Set.copyOf(USAGES))) {
      problems.add("spec.usages are " + requested + ", expected exactly " + USAGES);
    }
  }

  private Duration validity(Integer expirationSeconds) {
    Duration max = policy.maxValidity();
    if (expirationSeconds == null) {
      return max;
    }
    Duration requested = Duration.ofSeconds(expirationSeconds);
    return requested.compareTo(max) < 0 ? requested : max;
  }

  /** {@code spec.request} is PEM, base64-encoded once more because the field is bytes. */
  private static String decode(String base64) {
    if (base64 == null || base64.isEmpty()) {
      throw new IllegalArgumentException("spec.request is empty");
    }
    try {
      return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec.request is not base64");
    }
  }
}
