package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.InvalidReferenceException;
import io.dockmaster.registry.RegistryException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Judges pod specs against the policies in force. Which rules apply where is decided here; what
 * each rule says about one image is {@link ImageRules}'. Registry trouble becomes a violation, so
 * admission fails closed with the registry named rather than with an exception.
 */
public final class PolicyEvaluator implements PodReviewer {

  private final Supplier<? extends java.util.Collection<LoadedPolicy>> policies;
  private final ImageInspector inspector;
  private final PullCredentials pullCredentials;
  private final PolicyScope scope;

  /**
   * @param exemptNamespaces governed only by policies whose namespaceSelector names them by {@code
   *     kubernetes.io/metadata.name}: the operator's own namespace and kube-system
   */
  public PolicyEvaluator(
      Supplier<? extends java.util.Collection<LoadedPolicy>> policies,
      ImageInspector inspector,
      PullCredentials pullCredentials,
      Set<String> exemptNamespaces) {
    this.policies = policies;
    this.inspector = inspector;
    this.pullCredentials = pullCredentials;
    this.scope = new PolicyScope(exemptNamespaces);
  }

  @Override
  public List<Violation> review(PodUnderReview pod) {
    List<LoadedPolicy> applicable =
        policies.get().stream()
            .filter(p -> scope.governs(p, pod.namespace(), pod.namespaceLabels()))
            .sorted(Comparator.comparing(LoadedPolicy::name))
            .toList();
    if (applicable.isEmpty()) {
      return List.of();
    }
    Lazy<CredentialsProvider> credentials =
        new Lazy<>(() -> pullCredentials.forPod(pod.namespace(), pod.pullSecrets()));
    List<Violation> violations = new ArrayList<>();
    for (ImageUse use : PodImages.of(pod)) {
      for (LoadedPolicy policy : applicable) {
        violations.addAll(judge(policy, use, pod, credentials));
      }
    }
    return violations;
  }

  private List<Violation> judge(
      LoadedPolicy policy, ImageUse use, PodUnderReview pod, Lazy<CredentialsProvider> creds) {
    ImageRules rules = new ImageRules(policy, use, pod);
    ImageReference reference;
    try {
      reference = ImageReference.parse(use.image());
    } catch (InvalidReferenceException e) {
      return List.of(rules.invalidReference(e.getMessage()));
    }
    List<Violation> violations = new ArrayList<>();
    rules.registryNotAllowed(reference).ifPresent(violations::add);
    if (!matches(policy, reference)) {
      return violations;
    }
    rules.digestRequired(reference).ifPresent(violations::add);
    rules.privilegeEscalation(reference).ifPresent(violations::add);
    rules.rootUserInSpec(reference).ifPresent(violations::add);
    if (!needsRegistry(policy.spec(), rules, reference)) {
      return violations;
    }
    try {
      // The pod's own pull secrets first, as the kubelet would use them; the policy's after.
      CredentialsProvider credentials =
          CredentialsProvider.firstOf(List.of(creds.get(), policy.registryCredentials()));
      ImageFacts facts = inspector.inspect(reference, credentials);
      ImageReference pinned = reference.withDigest(facts.digest());
      if (policy.spec().getSignature() != null) {
        rules
            .signatures(pinned, inspector.signatures(pinned, policy, credentials))
            .ifPresent(violations::add);
        if (!rules.requiredAttestations().isEmpty()) {
          violations.addAll(
              rules.attestations(pinned, inspector.attestations(pinned, policy, credentials)));
        }
      }
      violations.addAll(rules.imageUserIsRoot(pinned, facts));
      violations.addAll(rules.platforms(pinned, facts));
    } catch (RegistryException e) {
      violations.add(rules.imageUnavailable(reference, e));
    }
    return violations;
  }

  /** Registry-free rules run first; the registry is asked only when a rule needs what it knows. */
  private static boolean needsRegistry(
      ImagePolicySpec spec, ImageRules rules, ImageReference reference) {
    return spec.getSignature() != null
        || (Boolean.TRUE.equals(spec.getRunAsNonRoot()) && rules.userFromSpec().isEmpty())
        || (spec.getPlatforms() != null && !spec.getPlatforms().isEmpty());
  }

  /**
   * Includes match the repository, its tag or its digest, so writing both never escapes a policy.
   * Excludes ignore the tag when a digest is present: the runtime pulls the digest, and the tag
   * beside it is whatever the author chose to write.
   */
  static boolean matches(LoadedPolicy policy, ImageReference reference) {
    String repository = reference.registry() + "/" + reference.repository();
    List<String> includeSuffixes = new ArrayList<>();
    reference.tag().ifPresent(t -> includeSuffixes.add(":" + t));
    reference.digest().ifPresent(d -> includeSuffixes.add("@" + d));
    if (includeSuffixes.isEmpty()) {
      includeSuffixes.add("");
    }
    String excludeSuffix = includeSuffixes.get(includeSuffixes.size() - 1);
    boolean included =
        policy.images().isEmpty()
            || policy.images().stream()
                .anyMatch(p -> includeSuffixes.stream().anyMatch(s -> p.matches(repository, s)));
    boolean excluded =
        policy.exclude().stream().anyMatch(p -> p.matches(repository, excludeSuffix));
    return included && !excluded;
  }

  /** Pull secrets are read once per review, and only if some image needs the registry. */
  private static final class Lazy<T> {
    private final Supplier<T> supplier;
    private Optional<T> value = Optional.empty();

    Lazy(Supplier<T> supplier) {
      this.supplier = supplier;
    }

    T get() {
      if (value.isEmpty()) {
        value = Optional.of(supplier.get());
      }
      return value.get();
    }
  }
}
