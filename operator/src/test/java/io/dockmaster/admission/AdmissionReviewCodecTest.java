package io.dockmaster.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.admission.AdmissionReviewCodec.MalformedReviewException;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionReviewCodecTest {

  private final AdmissionReviewCodec codec =
      new AdmissionReviewCodec(new KubernetesSerialization());

  @Test
  void readsAnAdmissionReviewAsTheApiServerSendsIt() throws Exception {
    AdmissionRequest request =
        codec.read(
            bytes(
                """
                {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
                  "uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
                  "kind":{"group":"apps","version":"v1","kind":"Deployment"},
                  "resource":{"group":"apps","version":"v1","resource":"deployments"},
                  "requestKind":{"group":"apps","version":"v1","kind":"Deployment"},
                  "name":"web","namespace":"team","operation":"CREATE",
                  "userInfo":{"username":"admin","groups":["system:authenticated"]},
                  "object":{"apiVersion":"apps/v1","kind":"Deployment",
                    "metadata":{"name":"web","namespace":"team"},
                    "spec":{"template":{"spec":{"containers":[{"name":"a","image":"nginx"}]}}}},
                  "oldObject":null,"dryRun":false,
                  "options":{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}}}
                """));

    assertThat(request.getUid()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
    assertThat(request.getKind().getKind()).isEqualTo("Deployment");
    assertThat(request.getOperation()).isEqualTo("CREATE");
    assertThat(request.getObject()).isInstanceOf(Deployment.class);
  }

  @Test
  void writesTheResponseInTheSameVersionEchoingTheUid() {
    String json = codec.write(new AnswerBuilder().allow("u-1").response());

    assertThat(json)
        .contains("\"apiVersion\":\"admission.k8s.io/v1\"")
        .contains("\"kind\":\"AdmissionReview\"")
        .contains("\"uid\":\"u-1\"")
        .contains("\"allowed\":true");
  }

  @Test
  void explainsWhatIsWrongWithAMalformedReview() {
    List<String[]> cases =
        List.of(
            new String[] {"not json", "the body is not valid JSON: Unrecognized token 'not'"},
            new String[] {"[1,2]", "the body is not a JSON object"},
            new String[] {"apiVersion: admission.k8s.io/v1", "the body is not valid JSON"},
            new String[] {
              "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}",
              "apiVersion is \"admission.k8s.io/v1beta1\"; Dockmaster reads admission.k8s.io/v1"
                  + " (admissionReviewVersions: [v1])"
            },
            new String[] {"{\"kind\":\"AdmissionReview\"}", "apiVersion is \"\""},
            new String[] {
              "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}",
              "kind must be AdmissionReview"
            },
            new String[] {
              "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
              "the AdmissionReview has no request"
            },
            new String[] {
              "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                  + "\"request\":{\"operation\":\"CREATE\"}}",
              "request.uid is missing"
            },
            new String[] {
              "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                  + "\"request\":{\"uid\":\"u\"}}",
              "request.operation is missing"
            },
            new String[] {
              "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                  + "\"request\":{\"uid\":\"u\",\"operation\":\"CREATE\",\"kind\":[1]}}",
              "the AdmissionReview does not match admission.k8s.io/v1 at request.kind"
            });
    for (String[] c : cases) {
      assertThatThrownBy(() -> codec.read(bytes(c[0])))
          .as(c[0])
          .isInstanceOf(MalformedReviewException.class)
          .message()
          .startsWith(c[1])
          .doesNotContain("io.fabric8")
          .doesNotContain("com.fasterxml");
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
