package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import io.dockmaster.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.EdDSAParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cosign-shaped in-toto statements and DSSE envelopes signed in-test with JCA. The PAE is written
 * out here from the DSSE spec rather than taken from {@link DsseEnvelope}, so a mistake there
 * cannot hide in both.
 */
final class Envelopes {

  static final String CYCLONEDX = "https://cyclonedx.org/bom";
  static final String SLSA_02 = "https://slsa.dev/provenance/v0.2";

  private Envelopes() {}

  /** A statement in the shape cosign 2.6 writes, with a small predicate. */
  static byte[] statement(String predicateType, Digest subject) {
    return statement(
        predicateType, subject, "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\"}");
  }

  static byte[] statement(String predicateType, Digest subject, String predicateJson) {
    return ("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\""
            + predicateType
            + "\",\"subject\":[{\"name\":\"registry.example/team/app\",\"digest\":{\""
            + subject.algorithm()
            + "\":\""
            + subject.hex()
            + "\"}}],\"predicate\":"
            + predicateJson
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A signer: a key and the JCA algorithm cosign's scheme for it corresponds to. */
  record Signer(PrivateKey key, String algorithm, AlgorithmParameterSpec parameters) {
    Signer(PrivateKey key, String algorithm) {
      this(key, algorithm, null);
    }

    static Signer ed25519ph(PrivateKey key) {
      return new Signer(key, "Ed25519", new EdDSAParameterSpec(true));
    }

    String sign(String payloadType, byte[] payload) {
      return Payloads.sign(key, algorithm, parameters, pae(payloadType, payload));
    }
  }

  /** An in-toto envelope of {@code statement} signed by each of {@code signers}. */
  static byte[] envelope(byte[] statement, Signer... signers) {
    List<String> signatures = new ArrayList<>();
    for (Signer signer : signers) {
      signatures.add(signer.sign(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement));
    }
    return envelope(DsseEnvelope.IN_TOTO_PAYLOAD_TYPE, statement, signatures);
  }

  /** An envelope with exactly these fields, signatures given as their base64 text. */
  static byte[] envelope(String payloadType, byte[] payload, List<String> signatures) {
    StringBuilder json =
        new StringBuilder("{\"payloadType\":\"")
            .append(payloadType)
            .append("\",\"payload\":\"")
            .append(Base64.getEncoder().encodeToString(payload))
            .append("\",\"signatures\":[");
    for (int i = 0; i < signatures.size(); i++) {
      json.append(i == 0 ? "" : ",")
          .append("{\"keyid\":\"\",\"sig\":\"")
          .append(signatures.get(i))
          .append("\"}");
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Name, key pair, name, key pair, ...: the public keys as a policy would load them. */
  static Map<String, TrustedKey> authorities(Object... nameAndPair) {
    Map<String, TrustedKey> map = new LinkedHashMap<>();
    for (int i = 0; i < nameAndPair.length; i += 2) {
      KeyPair pair = (KeyPair) nameAndPair[i + 1];
      map.put((String) nameAndPair[i], PublicKeys.parse(TestKeys.publicPem(pair)));
    }
    return map;
  }

  /** DSSE v1 PAE, from the spec: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
  static byte[] pae(String payloadType, byte[] body) {
    byte[] head =
        ("DSSEv1 "
                + payloadType.getBytes(StandardCharsets.UTF_8).length
                + " "
                + payloadType
                + " "
                + body.length
                + " ")
            .getBytes(StandardCharsets.UTF_8);
    byte[] pae = new byte[head.length + body.length];
    System.arraycopy(head, 0, pae, 0, head.length);
    System.arraycopy(body, 0, pae, head.length, body.length);
    return pae;
  }
}
