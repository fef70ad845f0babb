package io.dockmaster.admission;

import static io.dockmaster.admission.ImageNamePodReviewer.violation;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.policy.Violation;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AnswerBuilderTest {

  private final AnswerBuilder answers = new AnswerBuilder();

  @Test
  void enforceDeniesWithASummaryAndOneLinePerViolation() {
    List<Violation> violations =
        List.of(
            violation(
                "prod",
                PolicyMode.Enforce,
                "spec.template.spec.containers[0]",
                "app",
                "registry.example.com/app:1"),
            violation(
                "prod",
                PolicyMode.Enforce,
                "spec.template.spec.initContainers[0]",
                "init",
                "registry.example.com/init:2"));

    AdmissionAnswer answer = answers.fromViolations("uid-1", "Deployment", "web", violations);

    AdmissionResponse response = answer.response();
    assertThat(response.getUid()).isEqualTo("uid-1");
    assertThat(response.getAllowed()).isFalse();
    assertThat(response.getStatus().getCode()).isEqualTo(403);
    assertThat(response.getStatus().getReason()).isEqualTo("Forbidden");
    assertThat(response.getStatus().getMessage())
        .isEqualTo(
            "Dockmaster denied this Deployment \"web\": 2 images break ImagePolicy rules:\n"
                + "- "
                + violations.get(0).message()
                + "\n- "
                + violations.get(1).message());
    assertThat(response.getWarnings()).isNullOrEmpty();
    assertThat(answer.verdict()).isEqualTo(Verdict.DENIED);
  }

  @Test
  void oneImageIsSingularAndAMissingNameIsLeftOut() {
    AdmissionAnswer answer =
        answers.fromViolations(
            "u",
            "Pod",
            "",
            List.of(violation("prod", PolicyMode.Enforce, "spec.containers[0]", "c", "x")));

    assertThat(answer.response().getStatus().getMessage())
        .startsWith("Dockmaster denied this Pod: 1 image breaks ImagePolicy rules:\n- ");
  }

  @Test
  void twoPoliciesOnOneContainerCountAsOneImage() {
    AdmissionAnswer answer =
        answers.fromViolations(
            "u",
            "Pod",
            "p",
            List.of(
                violation("prod", PolicyMode.Enforce, "spec.containers[0]", "c", "x"),
                violation("baseline", PolicyMode.Enforce, "spec.containers[0]", "c", "x")));

    assertThat(answer.response().getStatus().getMessage().lines())
        .hasSize(3)
        .first()
        .isEqualTo("Dockmaster denied this Pod \"p\": 1 image breaks ImagePolicy rules:");
  }

  @Test
  void warnAdmitsWithOneWarningPerViolation() {
    List<Violation> violations =
        List.of(
            violation("staging", PolicyMode.Warn, "spec.containers[0]", "a", "a:1"),
            violation("staging", PolicyMode.Warn, "spec.containers[1]", "b", "b:1"));

    AdmissionAnswer answer = answers.fromViolations("u", "Pod", "p", violations);

    assertThat(answer.response().getAllowed()).isTrue();
    assertThat(answer.response().getStatus()).isNull();
    assertThat(answer.response().getWarnings())
        .containsExactly(violations.get(0).message(), violations.get(1).message());
    assertThat(answer.verdict()).isEqualTo(Verdict.WARNED);
  }

  @Test
  void auditAdmitsSilentlyButKeepsTheViolationsForCounting() {
    List<Violation> violations =
        List.of(violation("observe", PolicyMode.Audit, "spec.containers[0]", "a", "a:1"));

    AdmissionAnswer answer = answers.fromViolations("u", "Pod", "p", violations);

    assertThat(answer.response().getAllowed()).isTrue();
    assertThat(answer.response().getWarnings()).isNullOrEmpty();
    assertThat(answer.verdict()).isEqualTo(Verdict.ALLOWED);
    assertThat(answer.violations()).isEqualTo(violations);
  }

  @Test
  void aMixDeniesForEnforceAndStillWarnsButNeverMentionsAudit() {
    Violation enforced = violation("prod", PolicyMode.Enforce, "spec.containers[0]", "a", "a:1");
    Violation warned = violation("staging", PolicyMode.Warn, "spec.containers[1]", "b", "b:1");
    Violation audited = violation("observe", PolicyMode.Audit, "spec.containers[2]", "c", "c:1");

    AdmissionAnswer answer =
        answers.fromViolations("u", "Pod", "p", List.of(audited, warned, enforced));

    assertThat(answer.response().getAllowed()).isFalse();
    assertThat(answer.response().getStatus().getMessage())
        .contains(enforced.message())
        .doesNotContain(warned.message())
        .doesNotContain(audited.message());
    assertThat(answer.response().getWarnings()).containsExactly(warned.message());
    assertThat(answer.verdict()).isEqualTo(Verdict.DENIED);
    assertThat(answer.violations()).hasSize(3);
  }

  @Test
  void noViolationsAllows() {
    AdmissionAnswer answer = answers.fromViolations("u", "Pod", "p", List.of());

    assertThat(answer.response().getAllowed()).isTrue();
    assertThat(answer.response().getUid()).isEqualTo("u");
    assertThat(answer.verdict()).isEqualTo(Verdict.ALLOWED);
  }

  @Test
  void aLongDenialStopsAfterTwentyLines() {
    List<Violation> many =
        IntStream.range(0, 25)
            .mapToObj(
                i ->
                    violation(
                        "prod", PolicyMode.Enforce, "spec.containers[" + i + "]", "c" + i, "x"))
            .toList();

    String message =
        answers.fromViolations("u", "Pod", "p", many).response().getStatus().getMessage();

    assertThat(message.lines()).hasSize(1 + AnswerBuilder.MAX_DENIAL_LINES + 1);
    assertThat(message).startsWith("Dockmaster denied this Pod \"p\": 25 images break");
    assertThat(message).endsWith("\n- and 5 more");
  }

  @Test
  void aLongWarningIsCutTo256RunesEndingInAnEllipsis() {
    Violation long_ =
        violation(
            "staging", PolicyMode.Warn, "spec.containers[0]", "c", "r.example/" + "é".repeat(400));

    String warning =
        answers.fromViolations("u", "Pod", "p", List.of(long_)).response().getWarnings().get(0);

    assertThat(warning.codePointCount(0, warning.length()))
        .isEqualTo(AnswerBuilder.MAX_WARNING_RUNES);
    assertThat(warning).startsWith("ImagePolicy \"staging\"").endsWith("...");
  }

  @Test
  void manyWarningsStayWithinTheApiServerBudget() {
    List<Violation> many =
        IntStream.range(0, 40)
            .mapToObj(
                i ->
                    violation(
                        "staging",
                        PolicyMode.Warn,
                        "spec.containers[" + i + "]",
                        "c" + i,
                        "registry.example.com/team/app-" + i + ":1.0"))
            .toList();

    List<String> warnings = answers.fromViolations("u", "Pod", "p", many).response().getWarnings();

    int total = warnings.stream().mapToInt(w -> w.codePointCount(0, w.length())).sum();
    assertThat(total).isLessThanOrEqualTo(AnswerBuilder.MAX_TOTAL_WARNING_RUNES);
    assertThat(warnings).allSatisfy(w -> assertThat(w.length()).isLessThanOrEqualTo(256));
    assertThat(warnings.get(warnings.size() - 1))
        .matches("\\d+ more ImagePolicy warnings not shown; fix the ones above and apply again");
    assertThat(
            warnings.size() - 1 + Integer.parseInt(warnings.get(warnings.size() - 1).split(" ")[0]))
        .isEqualTo(40);
  }

  @Test
  void controlCharactersNeverReachTheWarningHeaderOrBreakTheLayout() {
    Violation odd = violation("prod", PolicyMode.Warn, "spec.containers[0]", "a\nb", "img\r\n\tx");
    Violation denied = violation("prod", PolicyMode.Enforce, "spec.containers[1]", "c\nd", "img");

    AdmissionResponse response =
        answers.fromViolations("u", "Pod", "p", List.of(odd, denied)).response();

    assertThat(response.getWarnings().get(0)).doesNotContainPattern("\\p{Cntrl}");
    assertThat(response.getStatus().getMessage().lines()).hasSize(2);
  }

  @Test
  void failingClosedSaysWhatWentWrongOnOneLine() {
    AdmissionAnswer timedOut =
        answers.failClosed("u", "Deployment", "web", true, "the review did not finish\nin time");
    AdmissionAnswer broken = answers.failClosed("u", null, null, false, "it broke");

    assertThat(timedOut.response().getAllowed()).isFalse();
    assertThat(timedOut.response().getUid()).isEqualTo("u");
    assertThat(timedOut.response().getStatus().getCode()).isEqualTo(503);
    assertThat(timedOut.response().getStatus().getMessage())
        .isEqualTo("Dockmaster denied this Deployment \"web\": the review did not finish in time");
    assertThat(timedOut.verdict()).isEqualTo(Verdict.ERROR);
    assertThat(broken.response().getStatus().getCode()).isEqualTo(500);
    assertThat(broken.response().getStatus().getMessage())
        .isEqualTo("Dockmaster denied this request: it broke");
  }
}
