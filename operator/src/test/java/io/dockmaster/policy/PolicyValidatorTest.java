package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.Authority;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.PublicKeySource;
import io.dockmaster.api.v1alpha1.SecretKeyReference;
import io.dockmaster.api.v1alpha1.SignaturePolicy;
import io.dockmaster.secret.SecretKeyReader;
import io.dockmaster.testing.TestKeys;
import io.dockmaster.validation.FieldError;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyValidatorTest {

  private final Map<String, String> secrets = new HashMap<>();
  private final PolicyValidator validator =
      new PolicyValidator(
          reference -> {
            String value = secrets.get(reference.getNamespace() + "/" + reference.getName());
            if (value == null) {
              throw new SecretKeyReader.SecretLookupException(
                  SecretKeyReader.SecretLookupException.Missing.SECRET,
                  "Secret " + reference.getNamespace() + "/" + reference.getName() + " is missing");
            }
            return value;
          });

  @Test
  void loadsAValidPolicyWithInlineAndSecretKeys() {
    secrets.put("keys/security", TestKeys.publicPem(TestKeys.ec("secp384r1")));
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of("registry.example.com/prod/**"));
    spec.setAllowedRegistries(List.of("registry.example.com", "10.0.0.5:5000"));
    spec.setPlatforms(List.of("linux/amd64", "linux/arm64/v8"));
    spec.setSignature(
        signature(
            new Authority(
                "release", PublicKeySource.inline(TestKeys.publicPem(TestKeys.ed25519()))),
            secretAuthority("security", "keys", "security")));

    Validated<LoadedPolicy> result = validator.validate(policy(spec));

    assertThat(result.errors()).isEmpty();
    LoadedPolicy loaded = result.value().orElseThrow();
    assertThat(loaded.authorities()).containsOnlyKeys("release", "security");
    assertThat(loaded.authorities().get("security").description()).isEqualTo("ECDSA P-384");
    assertThat(loaded.generation()).isEqualTo(3);
  }

  @Test
  void reportsEveryProblemAtOnceWithItsPath() {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of("registry.example.com/ok/**", "nginx"));
    spec.setAllowedRegistries(List.of("https://registry.example.com"));
    spec.setPlatforms(List.of("amd64"));
    spec.setSignature(
        signature(
            new Authority(
                "release",
                PublicKeySource.inline(
                    "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----")),
            secretAuthority("security", "keys", "absent")));

    Validated<LoadedPolicy> result = validator.validate(policy(spec));

    assertThat(result.value()).isEmpty();
    assertThat(result.errors())
        .extracting(FieldError::path)
        .containsExactly(
            "spec.images[1]",
            "spec.allowedRegistries[0]",
            "spec.platforms[0]",
            "spec.signature.authorities[0].key.pem",
            "spec.signature.authorities[1].key.secretRef");
    assertThat(result.describeErrors())
        .contains("spec.signature.authorities[1].key.secretRef: Secret keys/absent is missing")
        .contains(
            "spec.allowedRegistries[0]: \"https://registry.example.com\" is not a registry host");
  }

  private static Authority secretAuthority(String name, String namespace, String secret) {
    PublicKeySource source = new PublicKeySource();
    source.setSecretRef(new SecretKeyReference(namespace, secret, "cosign.pub"));
    return new Authority(name, source);
  }

  private static SignaturePolicy signature(Authority... authorities) {
    SignaturePolicy signature = new SignaturePolicy();
    signature.setAuthorities(List.of(authorities));
    return signature;
  }

  private static ImagePolicy policy(ImagePolicySpec spec) {
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(
        new ObjectMetaBuilder().withName("prod").withUid("uid-1").withGeneration(3L).build());
    policy.setSpec(spec);
    return policy;
  }
}
