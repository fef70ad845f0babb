package io.dockmaster.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InTotoStatementTest {

  private static final Digest IMAGE = Payloads.digestOf("image");

  @Test
  void readsTheStatementTheRealCosignWrote() throws InvalidAttestationException {
    InTotoStatement statement = InTotoStatement.parse(bytes(CosignAttestationVectors.STATEMENT));

    assertThat(statement.type()).isEqualTo("https://in-toto.io/Statement/v0.1");
    assertThat(statement.predicateType()).isEqualTo("https://cyclonedx.org/bom");
    assertThat(statement.subjects())
        .containsExactly(Map.of("sha256", CosignAttestationVectors.IMAGE.hex()));
    assertThat(statement.covers(CosignAttestationVectors.IMAGE)).isTrue();
    assertThat(statement.covers(IMAGE)).isFalse();
  }

  @Test
  void acceptsStatementV1AndAnySubjectAmongSeveral() throws InvalidAttestationException {
    Digest other = Payloads.digestOf("other");
    InTotoStatement statement =
        parse(
            "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\","
                + "\"subject\":[{\"digest\":{\"sha512\":\"ab\",\"sha256\":\""
                + other.hex()
                + "\"}},{\"name\":\"x\",\"digest\":{\"sha256\":\""
                + IMAGE.hex()
                + "\"}}]}");

    assertThat(statement.covers(IMAGE)).isTrue();
    assertThat(statement.covers(other)).isTrue();
    assertThat(statement.describeSubjects())
        .isEqualTo(other.shortForm() + ", " + IMAGE.shortForm());
  }

  @Test
  void comparesDigestsExactlyAsCosignDoes() throws InvalidAttestationException {
    String upper = IMAGE.hex().toUpperCase(java.util.Locale.ROOT);

    assertThat(statementAbout("sha256", upper).covers(IMAGE)).isFalse();
    assertThat(statementAbout("SHA256", IMAGE.hex()).covers(IMAGE)).isFalse();
    assertThat(statementAbout("sha256", "sha256:" + IMAGE.hex()).covers(IMAGE)).isFalse();
    assertThat(statementAbout("sha256", IMAGE.hex()).covers(IMAGE)).isTrue();
  }

  @Test
  void skipsThePredicateWhateverItHolds() throws InvalidAttestationException {
    String deep = "[".repeat(200) + "]".repeat(200);
    InTotoStatement statement =
        parse(
            "{\"predicate\":{\"components\":"
                + deep
                + ",\"s\":\"x\"},\"_type\":\"https://in-toto.io/Statement/v0.1\","
                + "\"predicateType\":\"p\",\"subject\":[{\"digest\":{\"sha256\":\""
                + IMAGE.hex()
                + "\"}}],\"extra\":[1,{\"a\":null}]}");

    assertThat(statement.predicateType()).isEqualTo("p");
  }

  @Test
  void fieldNamesMatchInAnyCaseAsInGo() throws InvalidAttestationException {
    InTotoStatement statement =
        parse(
            "{\"_TYPE\":\"https://in-toto.io/Statement/v0.1\",\"PredicateType\":\"p\","
                + "\"Subject\":[{\"Digest\":{\"sha256\":\""
                + IMAGE.hex()
                + "\"}}]}");

    assertThat(statement.covers(IMAGE)).isTrue();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "x|not valid JSON",
        "[]|not a JSON object",
        "{}|has no _type",
        "{\"_type\":\"https://example.com/Statement\"}|_type is \"https://example.com/Statement\","
            + " not an in-toto statement",
        "{\"_type\":1}|_type is not a string",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[]}|has no predicateType",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"\"}"
            + "|predicateType is empty",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\"}|has no subject",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\",\"subject\":{}}"
            + "|subject is not an array",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\",\"subject\":[]}"
            + "|subject is empty",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\",\"subject\":[1]}"
            + "|subject[0] is not an object",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\",\"subject\":[{}]}"
            + "|has no subject[0].digest",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\","
            + "\"subject\":[{\"digest\":[]}]}|subject[0].digest is not an object",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\","
            + "\"subject\":[{\"digest\":{\"sha256\":1}}]}|subject[0].digest values must be strings",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\","
            + "\"PREDICATETYPE\":\"q\"}|predicateType appears more than once",
        "{\"predicate\":1,\"Predicate\":2}|predicate appears more than once",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"_type\":\"x\"}|not valid JSON",
        "{\"predicate\":{\"a\":1,\"a\":2}}|not valid JSON",
        "{\"_type\":\"https://in-toto.io/Statement/v1\"} {}|has content after the statement",
        "{\"_type\":\"https://in-toto.io/Statement/v1\"|not valid JSON",
      })
  void refusesMalformedStatementsSayingWhy(String json, String problem) {
    assertThatThrownBy(() -> parse(json))
        .isInstanceOf(InvalidAttestationException.class)
        .hasMessage(problem);
  }

  @Test
  void refusesNestingBeyondAnyRealSbom() {
    String tooDeep = "[".repeat(300) + "]".repeat(300);

    assertThatThrownBy(() -> parse("{\"predicate\":" + tooDeep + "}"))
        .isInstanceOf(InvalidAttestationException.class)
        .hasMessage("not valid JSON");
  }

  private static InTotoStatement statementAbout(String algorithm, String hex)
      throws InvalidAttestationException {
    return parse(
        "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"p\","
            + "\"subject\":[{\"digest\":{\""
            + algorithm
            + "\":\""
            + hex
            + "\"}}]}");
  }

  private static InTotoStatement parse(String json) throws InvalidAttestationException {
    return InTotoStatement.parse(bytes(json));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
