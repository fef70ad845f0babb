package io.dockmaster.signature;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A DSSE envelope ({@code application/vnd.dsse.envelope.v1+json}): a payload, its type, and
 * signatures over the pre-authentication encoding of both ({@link #pae}), never over the payload
 * alone, so a signature cannot be replayed under another payload type.
 */
public final class DsseEnvelope {

  /** The payload type of in-toto statements, the only one attestations carry. */
  public static final String IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

  /**
   * One signature of an envelope.
   *
   * @param keyid an unauthenticated hint (cosign leaves it empty), never used to pick a key
   * @param sig the base64 signature as stored; decoding is the checker's business, so that one
   *     malformed signature does not spoil the envelope's others
   */
  public record Signature(String keyid, String sig) {}

  private final String payloadType;
  private final byte[] payload;
  private final List<Signature> signatures;

  private DsseEnvelope(String payloadType, byte[] payload, List<Signature> signatures) {
    this.payloadType = payloadType;
    this.payload = payload;
    this.signatures = List.copyOf(signatures);
  }

  /**
   * Parses envelope JSON; the caller bounds its size.
   *
   * @throws InvalidAttestationException naming the first thing that is wrong
   */
  public static DsseEnvelope parse(byte[] json) throws InvalidAttestationException {
    JsonNode root;
    try {
      root = AttestationJson.DOCUMENTS.readTree(json);
    } catch (IOException e) {
      throw new InvalidAttestationException("not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidAttestationException("not a JSON object");
    }
    String payloadType = AttestationJson.text(root, "payloadType", "payloadType");
    byte[] payload = decodeBase64(AttestationJson.text(root, "payload", "payload"), "payload");
    JsonNode signatures = AttestationJson.required(root, "signatures", "signatures");
    if (!signatures.isArray()) {
      throw new InvalidAttestationException("signatures is not an array");
    }
    List<Signature> parsed = new ArrayList<>(signatures.size());
    for (int i = 0; i < signatures.size(); i++) {
      String path = "signatures[" + i + "]";
      JsonNode signature = signatures.get(i);
      if (!signature.isObject()) {
        throw new InvalidAttestationException(path + " is not an object");
      }
      String sig = AttestationJson.text(signature, "sig", path + ".sig");
      String keyid =
          AttestationJson.field(signature, "keyid", path + ".keyid")
              .filter(JsonNode::isTextual)
              .map(JsonNode::textValue)
              .orElse("");
      parsed.add(new Signature(keyid, sig));
    }
    return new DsseEnvelope(payloadType, payload, parsed);
  }

  /**
   * DSSE's pre-authentication encoding, the bytes signatures are over: {@code "DSSEv1" SP LEN(type)
   * SP type SP LEN(body) SP body}, lengths in bytes as ASCII decimal.
   */
  public static byte[] pae(String payloadType, byte[] body) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    String head = "DSSEv1 " + type.length + " ";
    String middle = " " + body.length + " ";
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(head.length() + type.length + middle.length() + body.length);
    out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(type);
    out.writeBytes(middle.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(body);
    return out.toByteArray();
  }

  /**
   * DSSE allows standard and URL-safe base64; Go's decoders, which cosign uses, skip line breaks.
   *
   * @throws InvalidAttestationException if {@code text} is neither
   */
  static byte[] decodeBase64(String text, String what) throws InvalidAttestationException {
    String compact = text.replace("\r", "").replace("\n", "");
    try {
      return Base64.getDecoder().decode(compact);
    } catch (IllegalArgumentException notStandard) {
      try {
        return Base64.getUrlDecoder().decode(compact);
      } catch (IllegalArgumentException notUrlSafe) {
        throw new InvalidAttestationException(what + " is not base64");
      }
    }
  }

  public String payloadType() {
    return payloadType;
  }

  /** A copy of the decoded payload. */
  public byte[] payload() {
    return payload.clone();
  }

  /** The bytes the signatures are over. */
  public byte[] pae() {
    return pae(payloadType, payload);
  }

  public List<Signature> signatures() {
    return signatures;
  }

  @Override
  public String toString() {
    return "DsseEnvelope{"
        + SimpleSigningPayload.printable(payloadType)
        + ", "
        + payload.length
        + " payload bytes, "
        + signatures.size()
        + " signatures}";
  }
}
