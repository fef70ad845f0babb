package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.DistributionSettings;
import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorSpec;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.InvalidReferenceException;
import io.dockmaster.validation.FieldError;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks what the CRD schema cannot: image references parse and live on the upstream registry,
 * durations and bandwidths make sense. Pure; reports every error at once.
 */
public final class MirrorSpecValidator {

  public Validated<MirrorTarget> validate(ImageMirror mirror) {
    ImageMirrorSpec spec = mirror.getSpec();
    List<FieldError> errors = new ArrayList<>();
    if (spec == null || spec.getUpstream() == null) {
      errors.add(new FieldError("spec.upstream", "is required"));
      return Validated.invalid(errors);
    }
    String registry = ImageReference.normalizeRegistry(spec.getUpstream().getRegistry());
    Set<ImageReference> images = new LinkedHashSet<>();
    List<String> written = spec.getImages() == null ? List.of() : spec.getImages();
    for (int i = 0; i < written.size(); i++) {
      parseImage(registry, written.get(i), "spec.images[" + i + "]", errors).ifPresent(images::add);
    }
    Duration refresh = Duration.ZERO;
    try {
      refresh = RefreshInterval.parse(spec.getRefreshInterval());
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError("spec.refreshInterval", e.getMessage()));
    }
    checkBandwidths(spec.getDistribution(), errors);
    if (!errors.isEmpty()) {
      return Validated.invalid(errors);
    }
    return Validated.valid(
        new MirrorTarget(
            registry,
            Boolean.TRUE.equals(spec.getUpstream().getInsecure()),
            Optional.ofNullable(spec.getUpstream().getCredentialsSecretRef()),
            List.copyOf(images),
            refresh));
  }

  /**
   * A path on the upstream ({@code team/app:1}) or a full reference whose registry is the upstream.
   * The first segment names a registry exactly when a container runtime would read it as one.
   */
  private static Optional<ImageReference> parseImage(
      String registry, String written, String path, List<FieldError> errors) {
    if (written == null || written.isBlank()) {
      errors.add(new FieldError(path, "is empty"));
      return Optional.empty();
    }
    String first = written.split("/", 2)[0];
    boolean namesRegistry =
        written.contains("/")
            && (first.contains(".") || first.contains(":") || first.equals("localhost"));
    try {
      ImageReference reference =
          ImageReference.parse(namesRegistry ? written : registry + "/" + written);
      if (!reference.registry().equals(registry)) {
        errors.add(
            new FieldError(
                path,
                "\""
                    + written
                    + "\" is on registry "
                    + reference.registry()
                    + ", not on spec.upstream.registry "
                    + registry
                    + "; write its path on the upstream (e.g. "
                    + reference.repository()
                    + reference.tag().map(t -> ":" + t).orElse("")
                    + ") or create another ImageMirror for "
                    + reference.registry()));
        return Optional.empty();
      }
      return Optional.of(reference);
    } catch (InvalidReferenceException e) {
      errors.add(new FieldError(path, e.getMessage()));
      return Optional.empty();
    }
  }

  private static void checkBandwidths(DistributionSettings distribution, List<FieldError> errors) {
    if (distribution == null) {
      return;
    }
    checkBandwidth(distribution.getUploadBandwidth(), "spec.distribution.uploadBandwidth", errors);
    checkBandwidth(
        distribution.getDownloadBandwidth(), "spec.distribution.downloadBandwidth", errors);
  }

  private static void checkBandwidth(Quantity quantity, String path, List<FieldError> errors) {
    if (quantity == null) {
      return;
    }
    try {
      if (Quantity.getAmountInBytes(quantity).compareTo(BigDecimal.valueOf(1024)) < 0) {
        errors.add(
            new FieldError(
                path,
                "\""
                    + quantity
                    + "\" bytes per second is too small to move layers; write e.g. 50Mi, or omit"
                    + " it for no cap"));
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      errors.add(
          new FieldError(
              path, "\"" + quantity + "\" is not a quantity of bytes per second; write e.g. 50Mi"));
    }
  }
}
