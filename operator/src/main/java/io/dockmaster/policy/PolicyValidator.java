package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.Authority;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.PublicKeySource;
import io.dockmaster.api.v1alpha1.SecretReference;
import io.dockmaster.api.v1alpha1.SignaturePolicy;
import io.dockmaster.api.v1alpha1.UpstreamRegistry;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.DockerConfig;
import io.dockmaster.registry.Platform;
import io.dockmaster.secret.DockerConfigSecrets;
import io.dockmaster.secret.SecretKeyReader;
import io.dockmaster.secret.SecretKeyReader.SecretLookupException;
import io.dockmaster.signature.InvalidPublicKeyException;
import io.dockmaster.signature.PublicKeys;
import io.dockmaster.signature.TrustedKey;
import io.dockmaster.validation.FieldError;
import io.dockmaster.validation.Validated;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks what the CRD schema cannot: patterns compile, keys parse, referenced Secrets exist. The
 * schema already rejected wrong types, enums and shapes, so this reports only semantic errors, all
 * of them at once.
 */
public final class PolicyValidator {

  private static final Pattern REGISTRY = Pattern.compile(UpstreamRegistry.HOST_PATTERN);

  private final SecretKeyReader secrets;

  public PolicyValidator(SecretKeyReader secrets) {
    this.secrets = secrets;
  }

  public Validated<LoadedPolicy> validate(ImagePolicy policy) {
    ImagePolicySpec spec = policy.getSpec();
    List<FieldError> errors = new ArrayList<>();
    if (spec == null) {
      errors.add(new FieldError("spec", "is required"));
      return Validated.invalid(errors);
    }
    List<ImagePattern> images = compile(spec.getImages(), "spec.images", errors);
    List<ImagePattern> exclude = compile(spec.getExclude(), "spec.exclude", errors);
    checkRegistries(spec.getAllowedRegistries(), errors);
    checkPlatforms(spec.getPlatforms(), errors);
    Map<String, TrustedKey> authorities = loadAuthorities(spec.getSignature(), errors);
    CredentialsProvider credentials = loadCredentials(spec.getRegistryCredentials(), errors);
    if (!errors.isEmpty()) {
      return Validated.invalid(errors);
    }
    return Validated.valid(
        new LoadedPolicy(
            policy.getMetadata().getName(),
            policy.getMetadata().getUid(),
            policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration(),
            spec,
            images,
            exclude,
            authorities,
            credentials));
  }

  private static List<ImagePattern> compile(
      List<String> globs, String path, List<FieldError> errors) {
    List<ImagePattern> patterns = new ArrayList<>();
    for (int i = 0; i < sizeOf(globs); i++) {
      try {
        patterns.add(ImagePattern.compile(globs.get(i)));
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError(path + "[" + i + "]", e.getMessage()));
      }
    }
    return patterns;
  }

  private static void checkRegistries(List<String> registries, List<FieldError> errors) {
    for (int i = 0; i < sizeOf(registries); i++) {
      String registry = registries.get(i);
      if (registry == null || !REGISTRY.matcher(registry).matches()) {
        errors.add(
            new FieldError(
                "spec.allowedRegistries[" + i + "]",
                "\""
                    + registry
                    + "\" is not a registry host; write host or host:port in lowercase, without"
                    + " scheme or path, e.g. registry.example.com or 10.0.0.5:5000"));
      }
    }
  }

  private static void checkPlatforms(List<String> platforms, List<FieldError> errors) {
    for (int i = 0; i < sizeOf(platforms); i++) {
      try {
        Platform.parse(platforms.get(i));
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("spec.platforms[" + i + "]", e.getMessage()));
      }
    }
  }

  private Map<String, TrustedKey> loadAuthorities(
      SignaturePolicy signature, List<FieldError> errors) {
    Map<String, TrustedKey> keys = new LinkedHashMap<>();
    if (signature == null) {
      return keys;
    }
    List<Authority> authorities = signature.getAuthorities();
    for (int i = 0; i < sizeOf(authorities); i++) {
      Authority authority = authorities.get(i);
      String path = "spec.signature.authorities[" + i + "].key";
      PublicKeySource source = authority.getKey();
      try {
        if (source == null) {
          errors.add(new FieldError(path, "is required"));
        } else if (source.getPem() != null) {
          keys.put(authority.getName(), PublicKeys.parse(source.getPem()));
        } else if (source.getSecretRef() != null) {
          path += ".secretRef";
          keys.put(authority.getName(), PublicKeys.parse(secrets.read(source.getSecretRef())));
        } else {
          errors.add(new FieldError(path, "set exactly one of pem or secretRef"));
        }
      } catch (InvalidPublicKeyException | SecretLookupException e) {
        errors.add(new FieldError(source.getPem() != null ? path + ".pem" : path, e.getMessage()));
      }
    }
    return keys;
  }

  private CredentialsProvider loadCredentials(
      List<SecretReference> references, List<FieldError> errors) {
    List<DockerConfig> configs = new ArrayList<>();
    for (int i = 0; i < sizeOf(references); i++) {
      try {
        configs.add(DockerConfigSecrets.read(secrets, references.get(i)));
      } catch (SecretLookupException | IllegalArgumentException e) {
        errors.add(new FieldError("spec.registryCredentials[" + i + "]", e.getMessage()));
      }
    }
    return configs.isEmpty()
        ? CredentialsProvider.anonymous()
        : CredentialsProvider.firstOf(configs);
  }

  private static int sizeOf(List<?> list) {
    return list == null ? 0 : list.size();
  }
}
