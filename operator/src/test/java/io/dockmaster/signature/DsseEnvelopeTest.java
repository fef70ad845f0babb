package io.dockmaster.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DsseEnvelopeTest {

  @Test
  void paeIsTheSpecsTestVector() {
    // From the DSSE protocol's test vectors.
    byte[] pae =
        DsseEnvelope.pae(
            "http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8));

    assertThat(new String(pae, StandardCharsets.UTF_8))
        .isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  }

  @Test
  void paeCountsBytesNotCharacters() {
    byte[] body = "\u00e9".getBytes(StandardCharsets.UTF_8);

    byte[] pae = DsseEnvelope.pae("t\u00e9", body);

    assertThat(new String(pae, StandardCharsets.UTF_8)).isEqualTo("DSSEv1 3 t\u00e9 2 \u00e9");
    assertThat(pae).isEqualTo(Envelopes.pae("t\u00e9", body));
  }

  @Test
  void paeOfAnEmptyBody() {
    assertThat(new String(DsseEnvelope.pae("", new byte[0]), StandardCharsets.US_ASCII))
        .isEqualTo("DSSEv1 0  0 ");
  }

  @Test
  void parsesAnEnvelopeTheRealCosignWrote() throws InvalidAttestationException {
    DsseEnvelope envelope = DsseEnvelope.parse(bytes(CosignAttestationVectors.P256_ENVELOPE));

    assertThat(envelope.payloadType()).isEqualTo("application/vnd.in-toto+json");
    assertThat(new String(envelope.payload(), StandardCharsets.UTF_8))
        .isEqualTo(CosignAttestationVectors.STATEMENT);
    assertThat(envelope.signatures())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.keyid()).isEmpty();
              assertThat(s.sig()).startsWith("MEUCICU6");
            });
    assertThat(envelope.pae())
        .isEqualTo(
            Envelopes.pae(
                "application/vnd.in-toto+json", bytes(CosignAttestationVectors.STATEMENT)));
  }

  @Test
  void acceptsUrlSafeBase64AndLineBreaksAsGoDoes() throws InvalidAttestationException {
    byte[] payload = new byte[] {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, 0x01};
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(payload);
    assertThat(urlSafe).contains("-").contains("_");

    assertThat(
            parse("{\"payloadType\":\"t\",\"payload\":\"" + urlSafe + "\",\"signatures\":[]}")
                .payload())
        .isEqualTo(payload);
    assertThat(
            parse("{\"payloadType\":\"t\",\"payload\":\"+/+/\\r\\nAQ==\",\"signatures\":[]}")
                .payload())
        .isEqualTo(Base64.getDecoder().decode("+/+/AQ=="));
  }

  @Test
  void fieldNamesMatchInAnyCaseAsInGoAndKeyidIsOptional() throws InvalidAttestationException {
    DsseEnvelope envelope =
        parse("{\"PayloadType\":\"t\",\"PAYLOAD\":\"eA==\",\"Signatures\":[{\"Sig\":\"AAAA\"}]}");

    assertThat(envelope.payloadType()).isEqualTo("t");
    assertThat(envelope.signatures()).containsExactly(new DsseEnvelope.Signature("", "AAAA"));
  }

  @Test
  void ignoresUnknownFields() throws InvalidAttestationException {
    DsseEnvelope envelope =
        parse(
            "{\"payloadType\":\"t\",\"payload\":\"eA==\",\"signatures\":[{\"sig\":\"AAAA\","
                + "\"cert\":\"x\"}],\"extra\":{\"a\":[1,2]}}");

    assertThat(envelope.signatures()).hasSize(1);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "not json|not valid JSON",
        "[]|not a JSON object",
        "{\"payload\":\"eA==\",\"signatures\":[]}|has no payloadType",
        "{\"payloadType\":1,\"payload\":\"eA==\",\"signatures\":[]}|payloadType is not a string",
        "{\"payloadType\":\"t\",\"signatures\":[]}|has no payload",
        "{\"payloadType\":\"t\",\"payload\":\"%%%\",\"signatures\":[]}|payload is not base64",
        "{\"payloadType\":\"t\",\"payload\":\"eA==\"}|has no signatures",
        "{\"payloadType\":\"t\",\"payload\":\"eA==\",\"signatures\":{}}|signatures is not an array",
        "{\"payloadType\":\"t\",\"payload\":\"eA==\",\"signatures\":[1]}|signatures[0] is not an object",
        "{\"payloadType\":\"t\",\"payload\":\"eA==\",\"signatures\":[{}]}|has no signatures[0].sig",
        "{\"payloadType\":\"t\",\"payloadtype\":\"u\",\"payload\":\"eA==\",\"signatures\":[]}"
            + "|payloadType appears more than once",
        "{\"payloadType\":\"t\",\"payloadType\":\"u\",\"payload\":\"eA==\",\"signatures\":[]}"
            + "|not valid JSON",
        "{\"payloadType\":\"t\",\"payload\":\"eA==\",\"signatures\":[]} {}|not valid JSON",
      })
  void refusesMalformedEnvelopesSayingWhy(String json, String problem) {
    assertThatThrownBy(() -> parse(json))
        .isInstanceOf(InvalidAttestationException.class)
        .hasMessage(problem);
  }

  private static DsseEnvelope parse(String json) throws InvalidAttestationException {
    return DsseEnvelope.parse(bytes(json));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
