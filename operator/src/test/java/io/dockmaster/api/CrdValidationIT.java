package io.dockmaster.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.testing.Crds;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schema generated from the API classes, served by a real kube-apiserver: bad specs are
 * rejected by the API server itself, with a message naming the field.
 */
@EnableKubeAPIServer
class CrdValidationIT {

  static KubernetesClient client;

  @BeforeAll
  static void installCrds() {
    Crds.install(client);
  }

  @Test
  void acceptsAMinimalPolicyAndFillsDefaults() {
    ImagePolicy created =
        client
            .resource(
                typed(
                    policy("minimal", "spec: {images: [registry.example.com/**]}"),
                    ImagePolicy.class))
            .create();

    assertThat(created.getSpec().getMode().name()).isEqualTo("Enforce");
    assertThat(created.getSpec().getRequireDigest()).isFalse();
  }

  @Test
  void rejectsAnUnknownMode() {
    assertRejected(
        policy("bad-mode", "spec: {mode: Sometimes}"),
        "spec.mode",
        "Unsupported value: \"Sometimes\": supported values: \"Audit\", \"Enforce\", \"Warn\"");
  }

  @Test
  void rejectsAKeyThatIsNotPem() {
    assertRejected(
        policy(
            "bad-pem",
            """
            spec:
              signature:
                authorities:
                - name: release
                  key: {pem: "not a key"}
            """),
        "spec.signature.authorities[0].key.pem",
        "should match");
  }

  @Test
  void rejectsAKeyWithBothPemAndSecretRef() {
    assertRejected(
        policy(
            "both-key-sources",
            """
            spec:
              signature:
                authorities:
                - name: release
                  key:
                    pem: |
                      -----BEGIN PUBLIC KEY-----
                      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
                      -----END PUBLIC KEY-----
                    secretRef: {namespace: keys, name: release}
            """),
        "spec.signature.authorities[0].key",
        "set exactly one of pem or secretRef");
  }

  @Test
  void rejectsASecretRefWithoutName() {
    assertRejected(
        policy(
            "secretref-without-name",
            """
            spec:
              signature:
                authorities:
                - name: release
                  key: {secretRef: {namespace: keys}}
            """),
        "spec.signature.authorities[0].key.secretRef.name",
        "Required value");
  }

  @Test
  void rejectsAThresholdAboveTheAuthorityCount() {
    assertRejected(
        policy(
            "threshold",
            """
            spec:
              signature:
                threshold: 2
                authorities:
                - name: release
                  key: {secretRef: {namespace: keys, name: release}}
            """),
        "spec.signature.threshold",
        "threshold cannot exceed the number of authorities");
  }

  @Test
  void rejectsAttestationsSignedByAnUnknownAuthority() {
    assertRejected(
        policy(
            "attestation-authority",
            """
            spec:
              signature:
                authorities:
                - name: release
                  key: {secretRef: {namespace: keys, name: release}}
                attestations:
                - predicateType: https://cyclonedx.org/bom
                  signedBy: [security]
            """),
        "spec.signature.attestations",
        "must name authorities listed in signature.authorities");
  }

  @Test
  void rejectsAMirrorWithoutUpstream() {
    assertRejected(
        mirror("no-upstream", "spec: {images: [team/app:1]}"), "spec.upstream", "Required");
  }

  @Test
  void rejectsAnUpstreamWithSchemeOrUppercase() {
    assertRejected(
        mirror(
            "bad-registry",
            "spec: {upstream: {registry: 'https://Registry.example.com'}, images: [team/app:1]}"),
        "spec.upstream.registry",
        "should match");
  }

  @Test
  void rejectsABadRefreshInterval() {
    assertRejected(
        mirror(
            "bad-interval",
            "spec: {upstream: {registry: r.example.com}, images: [a:1], refreshInterval: soon}"),
        "spec.refreshInterval",
        "should match");
  }

  @Test
  void rejectsAMirrorWithNoImages() {
    assertRejected(
        mirror("no-images", "spec: {upstream: {registry: r.example.com}, images: []}"),
        "spec.images",
        "should have at least 1 items");
  }

  @Test
  void acceptsAMirrorAndFillsDefaults() {
    ImageMirror created =
        client
            .resource(
                typed(
                    mirror(
                        "good",
                        """
                        spec:
                          upstream: {registry: "127.0.0.1:5000", insecure: true}
                          images: [team/app:1.0]
                          distribution: {uploadBandwidth: 100Mi}
                        """),
                    ImageMirror.class))
            .create();

    assertThat(created.getSpec().getRefreshInterval()).isEqualTo("15m");
    assertThat(created.getSpec().getMirrorRuntime()).isFalse();
    assertThat(created.getSpec().getDistribution().getMaxUpstreamStreams()).isEqualTo(2);
  }

  private static void assertRejected(
      GenericKubernetesResource resource, String field, String reason) {
    assertThatThrownBy(() -> client.resource(resource).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(field)
        .hasMessageContaining(reason);
  }

  /** Untyped, so that values the Java model cannot hold still reach the API server. */
  private static GenericKubernetesResource policy(String name, String body) {
    return client
        .getKubernetesSerialization()
        .unmarshal(header("ImagePolicy", name) + body, GenericKubernetesResource.class);
  }

  private static GenericKubernetesResource mirror(String name, String body) {
    return client
        .getKubernetesSerialization()
        .unmarshal(header("ImageMirror", name) + body, GenericKubernetesResource.class);
  }

  private static <T> T typed(GenericKubernetesResource resource, Class<T> type) {
    return client.getKubernetesSerialization().convertValue(resource, type);
  }

  private static String header(String kind, String name) {
    return "apiVersion: dockmaster.io/v1alpha1\nkind: "
        + kind
        + "\nmetadata: {name: "
        + name
        + "}\n";
  }
}
