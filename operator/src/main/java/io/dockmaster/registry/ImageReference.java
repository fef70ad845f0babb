package io.dockmaster.registry;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A normalized image reference: {@code registry/repository[:tag][@digest]}.
 *
 * <p>Parsing follows docker/containerd: {@code nginx} is {@code docker.io/library/nginx:latest},
 * the first path component is a registry host only if it contains {@code .} or {@code :} or is
 * {@code localhost}, and the Docker Hub aliases collapse to {@code docker.io}. Unlike containerd's
 * {@code ParseDockerRef}, a reference with both a tag and a digest keeps the tag; the digest is
 * what gets pulled.
 */
public final class ImageReference {

  public static final String DOCKER_HUB = "docker.io";
  private static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";
  private static final String DEFAULT_TAG = "latest";
  private static final int MAX_NAME_LENGTH = 255;

  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
              + "|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?");
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");

  private final String registry;
  private final String repository;
  private final String tag;
  private final Digest digest;

  private ImageReference(String registry, String repository, String tag, Digest digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses and normalizes a reference; a reference with neither tag nor digest gets {@code latest}.
   *
   * @throws InvalidReferenceException naming the reference and what is wrong with it
   */
  public static ImageReference parse(String reference) {
    ImageReference parsed = parseName(reference);
    if (parsed.tag == null && parsed.digest == null) {
      return parsed.withTag(DEFAULT_TAG);
    }
    return parsed;
  }

  /**
   * Parses a repository name such as {@code team/app} or {@code quay.io/org/app} without tag or
   * digest, as used for listing tags.
   */
  public static ImageReference parseRepository(String repository) {
    ImageReference parsed = parseName(repository);
    if (parsed.tag != null || parsed.digest != null) {
      throw new InvalidReferenceException(
          repository, "a repository name must not carry a tag or digest");
    }
    return parsed;
  }

  private static ImageReference parseName(String reference) {
    if (reference == null || reference.isEmpty()) {
      throw new InvalidReferenceException(String.valueOf(reference), "must not be empty");
    }
    if (IMAGE_ID.matcher(reference).matches()) {
      throw new InvalidReferenceException(
          reference, "a bare 64-character hex string is an image ID, not a reference");
    }
    for (int i = 0; i < reference.length(); i++) {
      char c = reference.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new InvalidReferenceException(reference, "must not contain whitespace");
      }
    }
    String remainder = reference;
    Digest digest = null;
    int at = remainder.indexOf('@');
    if (at >= 0) {
      digest = parseDigest(reference, remainder.substring(at + 1));
      remainder = remainder.substring(0, at);
    }
    String tag = null;
    int colon = remainder.lastIndexOf(':');
    if (colon > remainder.lastIndexOf('/')) {
      tag = remainder.substring(colon + 1);
      remainder = remainder.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new InvalidReferenceException(
            reference,
            "tag \""
                + tag
                + "\" must be 1 to 128 characters of letters, digits, '_', '.' or '-'"
                + " and must not start with '.' or '-'");
      }
    }
    String[] hostAndPath = splitRegistry(reference, remainder);
    String registry = hostAndPath[0];
    String repository = hostAndPath[1];
    validateRepository(reference, repository);
    if (registry.length() + 1 + repository.length() > MAX_NAME_LENGTH) {
      throw new InvalidReferenceException(
          reference, "name must not be longer than " + MAX_NAME_LENGTH + " characters");
    }
    return new ImageReference(registry, repository, tag, digest);
  }

  private static Digest parseDigest(String reference, String value) {
    try {
      return Digest.parse(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidReferenceException(reference, e.getMessage());
    }
  }

  private static String[] splitRegistry(String reference, String name) {
    int slash = name.indexOf('/');
    String first = slash < 0 ? "" : name.substring(0, slash);
    boolean isHost =
        slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
    if (!isHost) {
      String path = name.indexOf('/') < 0 ? "library/" + name : name;
      return new String[] {DOCKER_HUB, path};
    }
    if (!DOMAIN.matcher(first).matches()) {
      throw new InvalidReferenceException(
          reference, "registry host \"" + first + "\" is not a valid host[:port]");
    }
    String registry = normalizeRegistry(first);
    String path = name.substring(slash + 1);
    if (registry.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
      path = "library/" + path;
    }
    return new String[] {registry, path};
  }

  private static void validateRepository(String reference, String repository) {
    if (repository.isEmpty() || repository.endsWith("/") || repository.contains("//")) {
      throw new InvalidReferenceException(
          reference, "repository must not be empty or have empty path components");
    }
    if (!repository.equals(repository.toLowerCase(Locale.ROOT))) {
      throw new InvalidReferenceException(reference, "repository must be lowercase");
    }
    for (String component : repository.split("/")) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        throw new InvalidReferenceException(
            reference,
            "repository component \""
                + component
                + "\" must be lowercase letters and digits separated by '.', '_', '__' or '-'");
      }
    }
  }

  /**
   * The canonical name of a registry host: lowercased, and Docker Hub's aliases collapsed to {@code
   * docker.io}.
   */
  public static String normalizeRegistry(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    return switch (lower) {
      case "index.docker.io", DOCKER_HUB_API_HOST -> DOCKER_HUB;
      default -> lower;
    };
  }

  /** The normalized registry host, e.g. {@code docker.io} or {@code 127.0.0.1:5000}. */
  public String registry() {
    return registry;
  }

  /** The host[:port] that serves the registry API; differs from {@link #registry()} for Hub. */
  public String apiHost() {
    return apiHostOf(registry);
  }

  /** The API host of a normalized registry name. */
  public static String apiHostOf(String registry) {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API_HOST : registry;
  }

  /** The repository path, e.g. {@code library/nginx}. */
  public String repository() {
    return repository;
  }

  public Optional<String> tag() {
    return Optional.ofNullable(tag);
  }

  public Optional<Digest> digest() {
    return Optional.ofNullable(digest);
  }

  /** What to put after {@code /manifests/}: the digest when present, else the tag. */
  public String manifestReference() {
    if (digest != null) {
      return digest.toString();
    }
    return tag != null ? tag : DEFAULT_TAG;
  }

  /** This reference pinned to {@code digest}; the tag is kept for readability. */
  public ImageReference withDigest(Digest digest) {
    return new ImageReference(registry, repository, tag, Objects.requireNonNull(digest));
  }

  public ImageReference withDigest(String digest) {
    return withDigest(parseDigest(toString() + "@" + digest, digest));
  }

  /** The same repository at {@code tag}, without a digest. */
  public ImageReference withTag(String tag) {
    if (tag == null || !TAG.matcher(tag).matches()) {
      throw new InvalidReferenceException(
          registry + "/" + repository + ":" + tag, "tag \"" + tag + "\" is not valid");
    }
    return new ImageReference(registry, repository, tag, null);
  }

  /** The repository alone, for operations on the repository rather than one image. */
  public ImageReference repositoryOnly() {
    return new ImageReference(registry, repository, null, null);
  }

  /**
   * The reference of the cosign signature manifest of this image: tag {@code sha256-<hex>.sig} in
   * the same repository.
   *
   * @throws IllegalStateException if this reference has no digest
   */
  public ImageReference cosignSignature() {
    if (digest == null) {
      throw new IllegalStateException(this + " has no digest to look up signatures for");
    }
    return withTag(digest.asTagPrefix() + ".sig");
  }

  /** The short form people type: {@code nginx:latest}, {@code team/app:1.0}. */
  public String familiar() {
    String name = registry + "/" + repository;
    if (registry.equals(DOCKER_HUB)) {
      name = repository.startsWith("library/") ? repository.substring(8) : repository;
    }
    return name + suffix();
  }

  /** The fully normalized form, e.g. {@code docker.io/library/nginx:latest}. */
  @Override
  public String toString() {
    return registry + "/" + repository + suffix();
  }

  private String suffix() {
    return (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageReference other
        && registry.equals(other.registry)
        && repository.equals(other.repository)
        && Objects.equals(tag, other.tag)
        && Objects.equals(digest, other.digest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(registry, repository, tag, digest);
  }
}
