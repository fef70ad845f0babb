package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.api.v1alpha1.SignaturePolicy;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.Platform;
import io.dockmaster.registry.RegistryExceptions;
import io.dockmaster.signature.SignatureVerdict;
import io.dockmaster.signature.TrustedKey;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The evaluator with an in-memory registry: every rule, its message and where it applies. */
class PolicyEvaluatorTest {

  private static final String REG = "registry.example.com";

  private final FakeInspector registry = new FakeInspector();
  private final List<LoadedPolicy> policies = new ArrayList<>();
  private final PolicyEvaluator evaluator =
      new PolicyEvaluator(
          () -> policies,
          registry,
          (namespace, secrets) -> CredentialsProvider.anonymous(),
          Set.of("dockmaster", "kube-system"));

  @Test
  void registryAllowlistAppliesEvenToImagesTheIncludePatternsDoNotMatch() {
    ImagePolicySpec spec = spec("registry.example.com/prod/**");
    spec.setAllowedRegistries(List.of(REG));
    add("prod", spec);

    List<Violation> violations = review(pod("docker.io/library/nginx:1.27"));

    assertThat(violations)
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.REGISTRY_NOT_ALLOWED);
              assertThat(v.message())
                  .isEqualTo(
                      "ImagePolicy \"prod\": spec.containers[0] \"app\" image docker.io/library/nginx:1.27:"
                          + " REGISTRY_NOT_ALLOWED: registry docker.io is not one of registry.example.com;"
                          + " use an image from an allowed registry, or ask the platform team to add"
                          + " docker.io to allowedRegistries");
            });
  }

  @Test
  void patternsMatchNormalizedReferencesOnly() {
    ImagePolicySpec spec = spec("trusted.example.com/**");
    spec.setRequireDigest(true);
    add("pinned", spec);

    assertThat(review(pod("attacker.example/x.trusted.example.com/app:1"))).isEmpty();
    assertThat(review(pod("TRUSTED.example.com/app:1")))
        .extracting(Violation::reason)
        .containsExactly(ViolationReason.DIGEST_REQUIRED);
    assertThat(review(pod("trusted.example.com/app@sha256:" + "a".repeat(64)))).isEmpty();
  }

  @Test
  void aTagBesideTheDigestNeitherEscapesAnIncludeNorEntersAnExclude() {
    ImagePolicySpec spec = spec(REG + "/app:prod");
    spec.setRequireDigest(true);
    spec.setAllowPrivilegeEscalation(false);
    ImagePattern debug = ImagePattern.compile(REG + "/app:debug");
    policies.add(
        new LoadedPolicy(
            "tags",
            "uid-tags",
            1,
            spec,
            List.of(ImagePattern.compile(REG + "/app:prod")),
            List.of(debug),
            Map.of()));
    String digest = "@sha256:" + "d".repeat(64);

    assertThat(reasons(pod(REG + "/app:prod" + digest)))
        .as("the include names the tag; the digest beside it does not hide it")
        .containsExactly(ViolationReason.PRIVILEGE_ESCALATION_ALLOWED);
    ImagePolicySpec all = spec(REG + "/**");
    all.setAllowPrivilegeEscalation(false);
    policies.clear();
    policies.add(
        new LoadedPolicy(
            "all",
            "uid-all",
            1,
            all,
            List.of(ImagePattern.compile(REG + "/**")),
            List.of(debug),
            Map.of()));
    assertThat(reasons(pod(REG + "/app:debug" + digest)))
        .as("a decorative tag does not buy an exclusion; the digest is what runs")
        .containsExactly(ViolationReason.PRIVILEGE_ESCALATION_ALLOWED);
    assertThat(reasons(pod(REG + "/app:debug"))).isEmpty();
  }

  @Test
  void anImageWhoseUserCannotBeReadIsNotProvenNonRoot() {
    ImagePolicySpec spec = spec(REG + "/**");
    spec.setRunAsNonRoot(true);
    add("nonroot", spec);
    registry.platformless(REG + "/odd:1");

    assertThat(review(pod(REG + "/odd:1")))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.RUNS_AS_ROOT);
              assertThat(v.problem()).startsWith("its user cannot be determined");
            });
  }

  @Test
  void dockerHubShortNamesAreNormalizedBeforeMatching() {
    ImagePolicySpec spec = spec("docker.io/library/*");
    spec.setRequireDigest(true);
    add("hub", spec);

    for (String image :
        List.of("nginx", "docker.io/library/nginx", "index.docker.io/library/nginx:latest")) {
      assertThat(review(pod(image)))
          .as(image)
          .singleElement()
          .satisfies(v -> assertThat(v.image()).isEqualTo("docker.io/library/nginx:latest"));
    }
  }

  @Test
  void rootAndUnprovableUsersAreRefusedUnlessTheSpecSetsAUser() {
    ImagePolicySpec spec = spec(REG + "/**");
    spec.setRunAsNonRoot(true);
    add("nonroot", spec);
    registry.image(REG + "/root:1", "");
    registry.image(REG + "/zero:1", "0:0");
    registry.image(REG + "/named:1", "nginx");
    registry.image(REG + "/numeric:1", "1000:1000");

    assertThat(reasons(pod(REG + "/root:1"))).containsExactly(ViolationReason.RUNS_AS_ROOT);
    assertThat(reasons(pod(REG + "/zero:1"))).containsExactly(ViolationReason.RUNS_AS_ROOT);
    assertThat(reasons(pod(REG + "/named:1"))).containsExactly(ViolationReason.USER_NOT_NUMERIC);
    assertThat(reasons(pod(REG + "/numeric:1"))).isEmpty();

    PodSpec podLevel = podSpec(REG + "/root:1");
    podLevel.setSecurityContext(
        new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder()
            .withRunAsUser(1000L)
            .build());
    assertThat(reasons(podLevel)).as("pod-level runAsUser overrides the image").isEmpty();

    PodSpec containerZero = podSpec(REG + "/numeric:1");
    containerZero.setSecurityContext(
        new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder()
            .withRunAsUser(1000L)
            .build());
    containerZero
        .getContainers()
        .get(0)
        .setSecurityContext(
            new io.fabric8.kubernetes.api.model.SecurityContextBuilder().withRunAsUser(0L).build());
    assertThat(review(containerZero))
        .as("container-level runAsUser overrides the pod's")
        .singleElement()
        .satisfies(v -> assertThat(v.problem()).isEqualTo("securityContext.runAsUser is 0 (root)"));
    assertThat(registry.inspections)
        .as("the registry is asked only when the spec sets no user")
        .isEqualTo(4);
  }

  @Test
  void signaturesMustMeetTheThresholdOfDistinctAuthorities() {
    ImagePolicySpec spec = spec(REG + "/**");
    SignaturePolicy signature = new SignaturePolicy();
    signature.setThreshold(2);
    spec.setSignature(signature);
    add("signed", spec, "release", "security", "audit");
    registry.image(REG + "/none:1", "1000");
    registry.image(REG + "/one:1", "1000");
    registry.image(REG + "/two:1", "1000");
    registry.signedBy(REG + "/one:1", "release");
    registry.signedBy(REG + "/two:1", "release", "security");

    assertThat(review(pod(REG + "/none:1")))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.NOT_SIGNED);
              assertThat(v.digest()).contains(registry.digestOf(REG + "/none:1").toString());
              assertThat(v.message())
                  .contains("image registry.example.com/none:1 (sha256:")
                  .contains(
                      "NOT_SIGNED: it has no signature (trusted: \"release\", \"security\", \"audit\")")
                  .contains("; sign this digest with cosign sign --key <key of release>");
            });
    assertThat(review(pod(REG + "/one:1")))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.SIGNATURE_THRESHOLD_NOT_MET);
              assertThat(v.problem())
                  .isEqualTo("signed by release but the policy needs 2 distinct authorities");
            });
    assertThat(review(pod(REG + "/two:1"))).isEmpty();
  }

  @Test
  void requiredAttestationsMustBeSignedByTheNamedAuthority() {
    ImagePolicySpec spec = spec(REG + "/**");
    SignaturePolicy signature = new SignaturePolicy();
    var sbom = new io.dockmaster.api.v1alpha1.AttestationRequirement();
    sbom.setPredicateType("https://cyclonedx.org/bom");
    sbom.setSignedBy(List.of("release"));
    signature.setAttestations(List.of(sbom));
    spec.setSignature(signature);
    add("sbom", spec, "release", "build");
    registry.image(REG + "/app:1", "1000");
    registry.signedBy(REG + "/app:1", "release");

    registry.attested = Map.of("https://cyclonedx.org/bom", Set.of("build"));
    assertThat(review(pod(REG + "/app:1")))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.ATTESTATION_MISSING);
              assertThat(v.problem())
                  .startsWith("no CycloneDX SBOM attestation")
                  .contains("signed by \"release\"");
              assertThat(v.fix())
                  .startsWith(
                      "attach one with cosign attest --key <key of release> --type cyclonedx")
                  .contains(REG + "/app@sha256:");
            });

    registry.attested = Map.of("https://cyclonedx.org/bom", Set.of("release"));
    assertThat(review(pod(REG + "/app:1"))).isEmpty();
  }

  @Test
  void missingPlatformsAreNamed() {
    ImagePolicySpec spec = spec(REG + "/**");
    spec.setPlatforms(List.of("linux/amd64", "linux/arm64"));
    add("multiarch", spec);
    registry.image(REG + "/amd-only:1", "1000");

    assertThat(review(pod(REG + "/amd-only:1")))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.PLATFORM_MISSING);
              assertThat(v.problem()).isEqualTo("it provides linux/amd64 but not linux/arm64");
            });
  }

  @Test
  void anUnreachableRegistryFailsClosedNamingTheRegistry() {
    ImagePolicySpec spec = spec(REG + "/**");
    spec.setRunAsNonRoot(true);
    add("nonroot", spec);

    assertThat(review(pod(REG + "/unknown:1")))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.reason()).isEqualTo(ViolationReason.IMAGE_UNAVAILABLE);
              assertThat(v.message())
                  .contains("registry.example.com is unreachable")
                  .contains("admission fails closed");
            });
  }

  @Test
  void everyContainerKindIsJudgedInManifestOrder() {
    ImagePolicySpec spec = spec(REG + "/**");
    spec.setRequireDigest(true);
    spec.setAllowPrivilegeEscalation(false);
    add("strict", spec);
    PodSpec pod =
        new PodSpecBuilder()
            .addNewContainer()
            .withName("app")
            .withImage(REG + "/app:1")
            .withNewSecurityContext()
            .withAllowPrivilegeEscalation(false)
            .endSecurityContext()
            .endContainer()
            .addNewContainer()
            .withName("sidecar")
            .withImage(REG + "/sidecar@sha256:" + "b".repeat(64))
            .endContainer()
            .addNewInitContainer()
            .withName("init")
            .withImage(REG + "/init:1")
            .withNewSecurityContext()
            .withPrivileged(true)
            .withAllowPrivilegeEscalation(false)
            .endSecurityContext()
            .endInitContainer()
            .addNewEphemeralContainer()
            .withName("debug")
            .withImage(REG + "/debug@sha256:" + "c".repeat(64))
            .withNewSecurityContext()
            .withAllowPrivilegeEscalation(false)
            .endSecurityContext()
            .endEphemeralContainer()
            .addNewVolume()
            .withName("data")
            .withNewImage()
            .withReference(REG + "/data:1")
            .endImage()
            .endVolume()
            .build();

    assertThat(review(pod))
        .extracting(v -> v.field() + " " + v.reason())
        .containsExactly(
            "spec.containers[0] DIGEST_REQUIRED",
            "spec.containers[1] PRIVILEGE_ESCALATION_ALLOWED",
            "spec.initContainers[0] DIGEST_REQUIRED",
            "spec.initContainers[0] PRIVILEGE_ESCALATION_ALLOWED",
            "spec.volumes[0].image DIGEST_REQUIRED");

    PodUnderReview debugOnly =
        new PodUnderReview("team", Map.of(), "Pod", "p", "spec", pod, true, List.of());
    assertThat(evaluator.review(debugOnly))
        .as("kubectl debug judges only the new container")
        .isEmpty();
  }

  @Test
  void namespaceSelectorAndExemptNamespaces() {
    ImagePolicySpec spec = spec(REG + "/**");
    spec.setRequireDigest(true);
    spec.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("env", "prod").build());
    add("prod-only", spec);
    ImagePolicySpec everywhere = spec(REG + "/**");
    everywhere.setRequireDigest(true);
    add("everywhere", everywhere);
    ImagePolicySpec system = spec(REG + "/**");
    system.setRequireDigest(true);
    system.setNamespaceSelector(
        new LabelSelectorBuilder()
            .addNewMatchExpression()
            .withKey("kubernetes.io/metadata.name")
            .withOperator("In")
            .withValues("kube-system")
            .endMatchExpression()
            .build());
    add("system", system);

    assertThat(policiesJudging("team", Map.of("env", "prod")))
        .containsExactly("everywhere", "prod-only");
    assertThat(policiesJudging("team", Map.of("env", "dev"))).containsExactly("everywhere");
    assertThat(
            policiesJudging(
                "kube-system", Map.of("kubernetes.io/metadata.name", "kube-system", "env", "prod")))
        .as("exempt unless named by kubernetes.io/metadata.name")
        .containsExactly("system");
    assertThat(policiesJudging("dockmaster", Map.of("env", "prod"))).isEmpty();
  }

  @Test
  void auditAndWarnModesAreCarriedOnTheViolation() {
    ImagePolicySpec spec = spec(REG + "/**");
    spec.setRequireDigest(true);
    spec.setMode(PolicyMode.Warn);
    add("warn", spec);

    assertThat(review(pod(REG + "/app:1")))
        .singleElement()
        .extracting(Violation::mode)
        .isEqualTo(PolicyMode.Warn);
  }

  private List<String> policiesJudging(String namespace, Map<String, String> labels) {
    return evaluator
        .review(
            new PodUnderReview(
                namespace, labels, "Pod", "p", "spec", podSpec(REG + "/a:1"), false, List.of()))
        .stream()
        .map(Violation::policy)
        .toList();
  }

  private List<ViolationReason> reasons(PodSpec spec) {
    return review(spec).stream().map(Violation::reason).toList();
  }

  private List<Violation> review(PodSpec spec) {
    return evaluator.review(
        new PodUnderReview("team", Map.of(), "Pod", "p", "spec", spec, false, List.of()));
  }

  private static PodSpec pod(String image) {
    return podSpec(image);
  }

  private static PodSpec podSpec(String image) {
    return new PodSpecBuilder()
        .addNewContainer()
        .withName("app")
        .withImage(image)
        .endContainer()
        .build();
  }

  private static ImagePolicySpec spec(String pattern) {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of(pattern));
    return spec;
  }

  private void add(String name, ImagePolicySpec spec, String... authorities) {
    Map<String, TrustedKey> keys = new LinkedHashMap<>();
    for (String authority : authorities) {
      keys.put(authority, new TrustedKey(null, "test key"));
    }
    List<ImagePattern> images = spec.getImages().stream().map(ImagePattern::compile).toList();
    policies.add(new LoadedPolicy(name, "uid-" + name, 1, spec, images, List.of(), keys));
  }

  /** A registry in memory: images with a user, platforms and the authorities that signed them. */
  private static final class FakeInspector implements ImageInspector {
    private final Map<String, String> users = new HashMap<>();
    private final Map<String, Set<String>> signers = new HashMap<>();
    int inspections;
    Map<String, Set<String>> attested = Map.of();

    void image(String reference, String user) {
      users.put(ImageReference.parse(reference).toString(), user);
    }

    /** An index whose entries cannot be read as images: no platform, no user. */
    void platformless(String reference) {
      users.put(ImageReference.parse(reference).toString(), PLATFORMLESS);
    }

    private static final String PLATFORMLESS = "<no platforms>";

    void signedBy(String reference, String... authorities) {
      signers.put(digestOf(reference).toString(), Set.of(authorities));
    }

    Digest digestOf(String reference) {
      return Digest.sha256(
          ImageReference.parse(reference).toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public ImageFacts inspect(ImageReference reference, CredentialsProvider credentials) {
      inspections++;
      String user = users.get(reference.toString());
      if (user == null) {
        throw RegistryExceptions.unreachable(reference.registry());
      }
      return new ImageFacts(
          digestOf(reference.toString()),
          user.equals(PLATFORMLESS)
              ? List.of()
              : List.of(new ImageFacts.PlatformImage(Platform.parse("linux/amd64"), user)));
    }

    @Override
    public io.dockmaster.signature.AttestationVerdict attestations(
        ImageReference imageAtDigest, LoadedPolicy policy, CredentialsProvider credentials) {
      return new io.dockmaster.signature.AttestationVerdict(
          imageAtDigest.digest().orElseThrow(), attested, List.of(), attested.size());
    }

    @Override
    public SignatureVerdict signatures(
        ImageReference imageAtDigest, LoadedPolicy policy, CredentialsProvider credentials) {
      Digest digest = imageAtDigest.digest().orElseThrow();
      Set<String> by = signers.getOrDefault(digest.toString(), Set.of());
      return new SignatureVerdict(digest, by, List.of(), by.size());
    }
  }
}
