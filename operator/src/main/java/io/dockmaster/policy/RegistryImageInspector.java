package io.dockmaster.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.FetchedManifest;
import io.dockmaster.registry.ImageIndex;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.Manifest;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.signature.AttestationVerdict;
import io.dockmaster.signature.AttestationVerifier;
import io.dockmaster.signature.SignatureVerdict;
import io.dockmaster.signature.SignatureVerifier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Answers admission's registry questions with caches shaped by what can change: facts of a digest
 * never change (cached by digest), a tag can move (cached briefly), and a signature verdict depends
 * on the digest and on the exact policy version that judged it (cached by digest, policy UID and
 * generation, never by tag; a positive verdict longer than a negative one, so a freshly signed
 * image is admitted soon).
 *
 * <p>When the registry cannot be reached, a digest verified before keeps its verdict for a day: a
 * registry outage should not stop a node from rescheduling what already runs. Nothing else is
 * served stale: a tag is never resolved from memory, and an unverified digest stays unverified.
 */
public final class RegistryImageInspector implements ImageInspector {

  /** How long caches keep answers. */
  public record CacheSettings(
      Duration tagTtl, Duration verifiedTtl, Duration unverifiedTtl, long maxEntries) {
    public static CacheSettings defaults() {
      return new CacheSettings(
          Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), 10_000);
    }
  }

  /**
   * The trust fingerprint covers the keys themselves: a key rotated in its Secret changes no policy
   * generation, and a verdict by the old key must not outlive it.
   */
  private record SignatureKey(
      String repository, Digest digest, String policyUid, long generation, String trust) {}

  private static final Duration LAST_VERIFIED_TTL = Duration.ofHours(24);

  private final RegistryClient registry;
  private final SignatureVerifier verifier;
  private final Cache<String, Digest> tags;
  private final Cache<String, ImageFacts> facts;
  private final Cache<SignatureKey, SignatureVerdict> signatures;
  private final Cache<SignatureKey, SignatureVerdict> lastVerified;
  private final AttestationVerifier attestationVerifier;
  private final Cache<SignatureKey, AttestationVerdict> attestations;
  private final Cache<SignatureKey, AttestationVerdict> lastAttested;
  private final MeterRegistry metrics;

  public RegistryImageInspector(
      RegistryClient registry,
      SignatureVerifier verifier,
      CacheSettings settings,
      MeterRegistry metrics) {
    this(registry, verifier, AttestationVerifier.cosign(), settings, metrics);
  }

  public RegistryImageInspector(
      RegistryClient registry,
      SignatureVerifier verifier,
      AttestationVerifier attestationVerifier,
      CacheSettings settings,
      MeterRegistry metrics) {
    this.registry = registry;
    this.verifier = verifier;
    this.attestationVerifier = attestationVerifier;
    this.metrics = metrics;
    this.tags =
        Caffeine.newBuilder()
            .maximumSize(settings.maxEntries())
            .expireAfterWrite(settings.tagTtl())
            .recordStats()
            .build();
    this.facts = Caffeine.newBuilder().maximumSize(settings.maxEntries()).recordStats().build();
    this.lastVerified =
        Caffeine.newBuilder()
            .maximumSize(settings.maxEntries())
            .expireAfterWrite(LAST_VERIFIED_TTL)
            .build();
    this.signatures =
        Caffeine.newBuilder()
            .maximumSize(settings.maxEntries())
            .expireAfter(
                Expiry.<SignatureKey, SignatureVerdict>creating(
                    (key, verdict) ->
                        verdict.verifiedAuthorities().isEmpty()
                            ? settings.unverifiedTtl()
                            : settings.verifiedTtl()))
            .recordStats()
            .build();
    this.attestations =
        Caffeine.newBuilder()
            .maximumSize(settings.maxEntries())
            .expireAfter(
                Expiry.<SignatureKey, AttestationVerdict>creating(
                    (key, verdict) ->
                        verdict.verified().isEmpty()
                            ? settings.unverifiedTtl()
                            : settings.verifiedTtl()))
            .recordStats()
            .build();
    this.lastAttested =
        Caffeine.newBuilder()
            .maximumSize(settings.maxEntries())
            .expireAfterWrite(LAST_VERIFIED_TTL)
            .build();
    CaffeineCacheMetrics.monitor(metrics, tags, "dockmaster_admission_tags");
    CaffeineCacheMetrics.monitor(metrics, attestations, "dockmaster_admission_attestations");
    CaffeineCacheMetrics.monitor(metrics, facts, "dockmaster_admission_image_facts");
    CaffeineCacheMetrics.monitor(metrics, signatures, "dockmaster_admission_signatures");
  }

  @Override
  public ImageFacts inspect(ImageReference reference, CredentialsProvider credentials) {
    RegistryClient client = registry.withCredentials(credentials);
    Digest digest =
        reference
            .digest()
            .orElseGet(
                () ->
                    tags.get(
                        reference.toString(),
                        key ->
                            counted("resolve", reference, () -> client.resolve(reference))
                                .digest()));
    ImageReference pinned = reference.withDigest(digest);
    String key = reference.registry() + "/" + reference.repository() + "@" + digest;
    return facts.get(key, k -> counted("facts", pinned, () -> readFacts(client, pinned, digest)));
  }

  @Override
  public SignatureVerdict signatures(
      ImageReference imageAtDigest, LoadedPolicy policy, CredentialsProvider credentials) {
    return verdict(
        "signatures",
        imageAtDigest,
        policy,
        signatures,
        lastVerified,
        verdict -> !verdict.verifiedAuthorities().isEmpty(),
        () ->
            verifier.verify(
                registry.withCredentials(credentials), imageAtDigest, policy.authorities()));
  }

  @Override
  public AttestationVerdict attestations(
      ImageReference imageAtDigest, LoadedPolicy policy, CredentialsProvider credentials) {
    return verdict(
        "attestations",
        imageAtDigest,
        policy,
        attestations,
        lastAttested,
        verdict -> !verdict.verified().isEmpty(),
        () ->
            attestationVerifier.verify(
                registry.withCredentials(credentials), imageAtDigest, policy.authorities()));
  }

  /**
   * A verdict for one digest under one policy version: cached, counted, and kept through a registry
   * outage once something was verified.
   */
  private <V> V verdict(
      String lookup,
      ImageReference imageAtDigest,
      LoadedPolicy policy,
      Cache<SignatureKey, V> cache,
      Cache<SignatureKey, V> lastGood,
      java.util.function.Predicate<V> verified,
      Supplier<V> fetch) {
    Digest digest =
        imageAtDigest
            .digest()
            .orElseThrow(() -> new IllegalArgumentException(imageAtDigest + " has no digest"));
    SignatureKey key =
        new SignatureKey(
            imageAtDigest.registry() + "/" + imageAtDigest.repository(),
            digest,
            policy.uid(),
            policy.generation(),
            trustFingerprint(policy));
    try {
      V verdict = cache.get(key, k -> counted(lookup, imageAtDigest, fetch));
      if (verified.test(verdict)) {
        lastGood.put(key, verdict);
      }
      return verdict;
    } catch (RegistryException e) {
      V known = e.kind().isTransient() ? lastGood.getIfPresent(key) : null;
      if (known == null) {
        throw e;
      }
      metrics.counter("dockmaster_admission_stale_verdicts_total", "lookup", lookup).increment();
      return known;
    }
  }

  /** Counts registry lookups by what was asked and how it ended, for the registry dashboard. */
  private <T> T counted(String lookup, ImageReference reference, Supplier<T> call) {
    String outcome = "ok";
    try {
      return call.get();
    } catch (RegistryException e) {
      outcome = e.kind().name().toLowerCase(Locale.ROOT);
      throw e;
    } finally {
      metrics
          .counter(
              "dockmaster_registry_lookups_total",
              "lookup",
              lookup,
              "registry",
              reference.registry(),
              "outcome",
              outcome)
          .increment();
    }
  }

  private static String trustFingerprint(LoadedPolicy policy) {
    ByteArrayOutputStream material = new ByteArrayOutputStream();
    policy.authorities().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              material.writeBytes(e.getKey().getBytes(StandardCharsets.UTF_8));
              material.writeBytes(e.getValue().key().getEncoded());
            });
    return Digest.sha256(material.toByteArray()).toString();
  }

  private ImageFacts readFacts(RegistryClient client, ImageReference pinned, Digest digest) {
    FetchedManifest top = client.fetchManifest(pinned);
    List<ImageFacts.PlatformImage> platforms = new ArrayList<>();
    Optional<ImageIndex> index = top.index();
    if (index.isPresent()) {
      // Entries without a platform are still images a runtime may pick; their config says which
      // platform they are. Only attestation entries (unknown/unknown) are not images.
      for (var entry : index.get().manifests()) {
        if (entry.platformIfSet().map(p -> p.isUnknown()).orElse(false)) {
          continue;
        }
        FetchedManifest child = client.fetchManifest(pinned.withDigest(entry.digest()));
        if (child.manifest().isPresent()) {
          platforms.add(platformImage(client, pinned, child.manifest().get()));
        }
      }
    } else {
      platforms.add(platformImage(client, pinned, top.manifest().orElseThrow()));
    }
    return new ImageFacts(digest, platforms);
  }

  private static ImageFacts.PlatformImage platformImage(
      RegistryClient client, ImageReference pinned, Manifest manifest) {
    var config = client.fetchConfig(pinned, manifest);
    return new ImageFacts.PlatformImage(config.platform(), config.user().orElse(""));
  }
}
