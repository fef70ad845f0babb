package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.AttestationRequirement;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.Platform;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.signature.AttestationVerdict;
import io.dockmaster.signature.PredicateType;
import io.dockmaster.signature.SignatureVerdict;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What one policy says about one image use, one rule a method. Each violation names the problem and
 * the fix in words a person running {@code kubectl apply} can act on.
 */
final class ImageRules {

  private final LoadedPolicy policy;
  private final ImagePolicySpec spec;
  private final ImageUse use;
  private final PodUnderReview pod;

  ImageRules(LoadedPolicy policy, ImageUse use, PodUnderReview pod) {
    this.policy = policy;
    this.spec = policy.spec();
    this.use = use;
    this.pod = pod;
  }

  Violation invalidReference(String problem) {
    return violation(
        use.image(),
        Optional.empty(),
        ViolationReason.INVALID_REFERENCE,
        problem,
        "write it as registry/repository:tag or registry/repository@sha256:<digest>");
  }

  Optional<Violation> registryNotAllowed(ImageReference reference) {
    List<String> allowed = spec.getAllowedRegistries();
    if (allowed == null || allowed.isEmpty() || allowed.contains(reference.registry())) {
      return Optional.empty();
    }
    return Optional.of(
        violation(
            reference,
            ViolationReason.REGISTRY_NOT_ALLOWED,
            "registry " + reference.registry() + " is not one of " + String.join(", ", allowed),
            "use an image from an allowed registry, or ask the platform team to add "
                + reference.registry()
                + " to allowedRegistries"));
  }

  Optional<Violation> digestRequired(ImageReference reference) {
    if (!Boolean.TRUE.equals(spec.getRequireDigest()) || reference.digest().isPresent()) {
      return Optional.empty();
    }
    return Optional.of(
        violation(
            reference,
            ViolationReason.DIGEST_REQUIRED,
            "it is referenced by tag, which can move, and the policy requires a digest",
            "pin it as "
                + reference.registry()
                + "/"
                + reference.repository()
                + "@sha256:<digest> (crane digest "
                + reference.familiar()
                + " prints it)"));
  }

  Optional<Violation> privilegeEscalation(ImageReference reference) {
    if (!Boolean.FALSE.equals(spec.getAllowPrivilegeEscalation()) || use.volume()) {
      return Optional.empty();
    }
    Optional<SecurityContext> context = use.securityContext();
    boolean privileged = context.map(c -> Boolean.TRUE.equals(c.getPrivileged())).orElse(false);
    boolean forbidden =
        context.map(c -> Boolean.FALSE.equals(c.getAllowPrivilegeEscalation())).orElse(false);
    if (forbidden && !privileged) {
      return Optional.empty();
    }
    return Optional.of(
        violation(
            reference,
            ViolationReason.PRIVILEGE_ESCALATION_ALLOWED,
            privileged
                ? "the container is privileged, which always allows privilege escalation"
                : "securityContext.allowPrivilegeEscalation is not set to false",
            privileged
                ? "remove securityContext.privileged and set allowPrivilegeEscalation: false"
                : "set securityContext.allowPrivilegeEscalation: false on the container"));
  }

  Optional<Violation> signatures(ImageReference pinned, SignatureVerdict verdict) {
    int threshold =
        spec.getSignature().getThreshold() == null ? 1 : spec.getSignature().getThreshold();
    if (verdict.meetsThreshold(threshold)) {
      return Optional.empty();
    }
    List<String> missing =
        policy.authorities().keySet().stream().filter(a -> !verdict.isVerifiedBy(a)).toList();
    String quotedMissing =
        missing.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", "));
    if (verdict.verifiedAuthorities().isEmpty()) {
      // Why the signatures found do not count matters most when a tag moved or a key rotated.
      String found =
          verdict.signaturesFound() == 0
              ? "it has no signature"
              : "none of its "
                  + verdict.signaturesFound()
                  + (verdict.signaturesFound() == 1 ? " signature counts" : " signatures count")
                  + verdict.rejections().stream()
                      .findFirst()
                      .map(r -> " (" + r.message() + ")")
                      .orElse("");
      return Optional.of(
          violation(
              pinned,
              ViolationReason.NOT_SIGNED,
              found + " (trusted: " + quotedMissing + ")",
              "sign this digest with cosign sign --key <key of "
                  + missing.get(0)
                  + "> "
                  + pinned.familiar()));
    }
    return Optional.of(
        violation(
            pinned,
            ViolationReason.SIGNATURE_THRESHOLD_NOT_MET,
            "signed by "
                + String.join(", ", verdict.verifiedAuthorities())
                + " but the policy needs "
                + threshold
                + " distinct authorities",
            "have " + quotedMissing + " sign it too"));
  }

  List<AttestationRequirement> requiredAttestations() {
    List<AttestationRequirement> required = spec.getSignature().getAttestations();
    return required == null ? List.of() : required;
  }

  /** One violation per required predicate type without a valid attestation by its signers. */
  List<Violation> attestations(ImageReference pinned, AttestationVerdict verdict) {
    List<Violation> violations = new ArrayList<>();
    for (AttestationRequirement requirement : requiredAttestations()) {
      String uri = requirement.getPredicateType();
      List<String> signedBy =
          requirement.getSignedBy() == null ? List.of() : requirement.getSignedBy();
      if (verdict.isAttested(uri, signedBy)) {
        continue;
      }
      List<String> signers =
          signedBy.isEmpty() ? policy.authorities().keySet().stream().sorted().toList() : signedBy;
      String by =
          signers.isEmpty()
              ? "a trusted authority"
              : signers.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(" or "));
      PredicateType type = PredicateType.of(uri);
      String atDigest =
          pinned.registry()
              + "/"
              + pinned.repository()
              + "@"
              + pinned.digest().map(Object::toString).orElse("");
      violations.add(
          violation(
              pinned,
              ViolationReason.ATTESTATION_MISSING,
              "no "
                  + type.attestationLabel()
                  + " signed by "
                  + by
                  + " ("
                  + verdict.whyNotAttested(uri, signedBy)
                  + ")",
              "attach one with "
                  + type.cosignAttestCommand(
                      "<key of "
                          + (signers.isEmpty() ? "a trusted authority" : signers.get(0))
                          + ">",
                      atDigest)));
    }
    return violations;
  }

  /** The user the container runs as when its spec says so, which overrides the image's USER. */
  Optional<Long> userFromSpec() {
    Optional<Long> container = use.securityContext().map(SecurityContext::getRunAsUser);
    if (container.isPresent()) {
      return container;
    }
    return Optional.ofNullable(pod.spec().getSecurityContext())
        .map(PodSecurityContext::getRunAsUser);
  }

  /** A root user set in the spec, which no image USER can undo. Needs no registry. */
  Optional<Violation> rootUserInSpec(ImageReference reference) {
    if (!Boolean.TRUE.equals(spec.getRunAsNonRoot()) || use.volume()) {
      return Optional.empty();
    }
    return userFromSpec()
        .filter(uid -> uid == 0)
        .map(
            uid ->
                violation(
                    reference,
                    ViolationReason.RUNS_AS_ROOT,
                    "securityContext.runAsUser is 0 (root)",
                    "set securityContext.runAsUser to a non-zero UID, e.g. 10001"));
  }

  /** The image's own USER, which decides only when neither container nor pod sets runAsUser. */
  List<Violation> imageUserIsRoot(ImageReference pinned, ImageFacts facts) {
    if (!Boolean.TRUE.equals(spec.getRunAsNonRoot())
        || use.volume()
        || userFromSpec().isPresent()) {
      return List.of();
    }
    List<ImageFacts.PlatformImage> images = platformsToCheck(facts);
    if (images.isEmpty()) {
      // Nothing readable says who the image runs as; it cannot be proven non-root.
      return List.of(
          violation(
              pinned,
              ViolationReason.RUNS_AS_ROOT,
              "its user cannot be determined: no image manifest for "
                  + (spec.getPlatforms() == null || spec.getPlatforms().isEmpty()
                      ? "any platform"
                      : String.join(", ", spec.getPlatforms()))
                  + " could be read",
              "set securityContext.runAsUser to a non-zero UID, or publish the image with its"
                  + " platforms"));
    }
    List<Violation> violations = new ArrayList<>();
    for (ImageFacts.PlatformImage image : images) {
      String where = facts.platforms().size() > 1 ? " on " + image.platform() : "";
      switch (ImageUser.judge(image.user())) {
        case ROOT ->
            violations.add(
                violation(
                    pinned,
                    ViolationReason.RUNS_AS_ROOT,
                    "the image runs as "
                        + (image.user().isBlank()
                            ? "root (it sets no USER)"
                            : "\"" + image.user() + "\" (root)")
                        + where
                        + " and neither the container nor the pod sets runAsUser",
                    "set securityContext.runAsUser to a non-zero UID, or rebuild the image with"
                        + " USER 10001"));
        case NOT_NUMERIC ->
            violations.add(
                violation(
                    pinned,
                    ViolationReason.USER_NOT_NUMERIC,
                    "the image user \""
                        + image.user()
                        + "\""
                        + where
                        + " is a name, which cannot be proven non-root (the kubelet would fail the"
                        + " pod with CreateContainerConfigError)",
                    "set securityContext.runAsUser to the user's numeric UID, or use a numeric USER"
                        + " in the image"));
        case NON_ROOT -> {}
      }
    }
    return violations;
  }

  List<Violation> platforms(ImageReference pinned, ImageFacts facts) {
    List<String> required = spec.getPlatforms();
    if (required == null || required.isEmpty()) {
      return List.of();
    }
    List<String> missing =
        required.stream().filter(p -> facts.forPlatform(Platform.parse(p)).isEmpty()).toList();
    if (missing.isEmpty()) {
      return List.of();
    }
    String provided =
        facts.platforms().stream()
            .map(p -> p.platform().toString())
            .collect(Collectors.joining(", "));
    return List.of(
        violation(
            pinned,
            ViolationReason.PLATFORM_MISSING,
            "it provides "
                + (provided.isEmpty() ? "no platform" : provided)
                + " but not "
                + String.join(", ", missing),
            "publish a multi-platform image that includes " + String.join(", ", missing)));
  }

  Violation imageUnavailable(ImageReference reference, RegistryException e) {
    return violation(
        reference,
        ViolationReason.IMAGE_UNAVAILABLE,
        e.getMessage(),
        e.kind() == RegistryException.Kind.UNAUTHORIZED
                || e.kind() == RegistryException.Kind.FORBIDDEN
            ? "add an imagePullSecret with access to " + reference.registry() + " to the pod"
            : "admission fails closed until the image can be checked; retry when "
                + reference.registry()
                + " answers");
  }

  /** The platforms whose user matters: the ones the policy names, else all the image has. */
  private List<ImageFacts.PlatformImage> platformsToCheck(ImageFacts facts) {
    List<String> named = spec.getPlatforms();
    if (named == null || named.isEmpty()) {
      return facts.platforms();
    }
    return named.stream()
        .map(p -> facts.forPlatform(Platform.parse(p)))
        .flatMap(Optional::stream)
        .distinct()
        .toList();
  }

  /**
   * Names the image as its author wrote it (normalized, by tag when it has one) and, separately,
   * the digest it was checked at.
   */
  private Violation violation(
      ImageReference reference, ViolationReason reason, String problem, String fix) {
    String name = reference.registry() + "/" + reference.repository();
    String display =
        reference
            .tag()
            .map(t -> name + ":" + t)
            .orElseGet(() -> reference.digest().map(d -> name + "@" + d).orElse(name));
    return violation(display, reference.digest().map(Object::toString), reason, problem, fix);
  }

  private Violation violation(
      String image, Optional<String> digest, ViolationReason reason, String problem, String fix) {
    return new Violation(
        policy.name(),
        spec.getMode(),
        use.field(),
        use.name(),
        image,
        digest,
        reason,
        problem,
        fix);
  }
}
