package io.dockmaster.registry;

import io.dockmaster.registry.RegistryTransport.Answer;
import io.dockmaster.registry.RegistryTransport.Call;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;

/**
 * A client for the OCI distribution API (v2): resolves tags, fetches manifests, indexes and
 * configs, streams verified blobs and lists tags. Thread-safe; share one instance and derive
 * per-credential views with {@link #withCredentials}.
 *
 * <p>Every failure is a {@link RegistryException} whose message can be shown to users as is.
 */
public final class RegistryClient {

  private static final long MAX_CONFIG_BYTES = 16L * 1024 * 1024;

  private final RegistrySettings settings;
  private final RegistryTransport transport;
  private final CredentialsProvider credentials;
  private final TagLister tagLister;

  private RegistryClient(
      RegistrySettings settings, RegistryTransport transport, CredentialsProvider credentials) {
    this.settings = settings;
    this.transport = transport;
    this.credentials = credentials;
    this.tagLister = new TagLister(transport, credentials);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether this client speaks plain HTTP to {@code registry}: it is configured to, or the
   * registry, allowed plain HTTP and unverified TLS, failed a TLS handshake and then answered over
   * plain HTTP (until a request was made, no).
   */
  public boolean speaksPlainHttp(String registry) {
    return transport.speaksPlainHttp(registry);
  }

  /**
   * The same connections, token cache and settings with other credentials, e.g. one view per pull
   * secret. Cached tokens are keyed by credentials, so views never share a token.
   */
  public RegistryClient withCredentials(CredentialsProvider credentials) {
    return new RegistryClient(settings, transport, Objects.requireNonNull(credentials));
  }

  /**
   * The descriptor of the manifest {@code reference} points at, from a HEAD request when the
   * registry reports the digest, else from the manifest itself.
   *
   * @throws RegistryException DIGEST_MISMATCH if the reference has a digest the registry disagrees
   *     with
   */
  public Descriptor resolve(ImageReference reference) {
    Target target = Target.manifest(reference);
    Answer answer = send("HEAD", manifestUri(reference), MediaTypes.ACCEPTED_MANIFESTS, reference);
    HttpExchange.readErrorBody(answer.response());
    HttpHeaders headers = answer.response().headers();
    Optional<String> digestHeader = headers.firstValue("Docker-Content-Digest");
    OptionalLong length = headers.firstValueAsLong("Content-Length");
    if (answer.status() == 200 && digestHeader.isPresent() && length.isPresent()) {
      Digest digest = parseDigest(digestHeader.get(), target);
      if (reference.digest().isPresent() && !reference.digest().get().equals(digest)) {
        throw RegistryErrors.digestMismatch(target, "as digest " + digest);
      }
      String mediaType = MediaTypes.stripParameters(headers.firstValue("Content-Type").orElse(""));
      return new Descriptor(mediaType, digest, length.getAsLong());
    }
    // No digest header, or an error a HEAD cannot explain (no body): GET says more.
    return fetchManifest(reference).descriptor();
  }

  /**
   * The manifest or index at {@code reference}, verified against the reference's digest or else the
   * registry's {@code Docker-Content-Digest}.
   */
  public FetchedManifest fetchManifest(ImageReference reference) {
    Target target = Target.manifest(reference);
    Answer answer = send("GET", manifestUri(reference), MediaTypes.ACCEPTED_MANIFESTS, reference);
    if (answer.status() != 200) {
      throw failure(answer, target);
    }
    HttpHeaders headers = answer.response().headers();
    byte[] raw = readBounded(answer, settings.maxManifestBytes(), target);
    Optional<Digest> claimed =
        reference
            .digest()
            .or(
                () ->
                    headers
                        .firstValue("Docker-Content-Digest")
                        .map(value -> parseDigest(value, target)));
    Digest actual = claimed.map(d -> hash(d, raw)).orElseGet(() -> Digest.sha256(raw));
    if (claimed.isPresent() && !claimed.get().equals(actual)) {
      throw RegistryErrors.digestMismatch(
          target, "with content whose digest is " + actual + " instead of " + claimed.get());
    }
    return FetchedManifest.parse(
        raw, headers.firstValue("Content-Type").orElse(""), actual, target);
  }

  /**
   * The image manifest for {@code platform}: through the index if {@code reference} is one, or the
   * manifest itself if it is a single image (whose config says which platform it is for).
   *
   * @throws RegistryException NOT_FOUND if the index has no entry for the platform
   */
  public FetchedManifest fetchManifest(ImageReference reference, Platform platform) {
    FetchedManifest fetched = fetchManifest(reference);
    Optional<ImageIndex> index = fetched.index();
    if (index.isEmpty()) {
      return fetched;
    }
    Descriptor entry =
        selectPlatform(index.get(), platform)
            .orElseThrow(() -> noSuchPlatform(reference, index.get(), platform));
    FetchedManifest child = fetchManifest(reference.withDigest(entry.digest()));
    if (child.isIndex()) {
      throw RegistryErrors.protocol(
          Target.manifest(reference),
          "an index whose " + platform + " entry is another index, which is not supported");
    }
    return child;
  }

  /**
   * The image manifest of every platform: each real platform entry of an index (attestations
   * skipped), or the manifest itself for a single-platform image.
   */
  public List<FetchedManifest> fetchImageManifests(ImageReference reference) {
    FetchedManifest fetched = fetchManifest(reference);
    Optional<ImageIndex> index = fetched.index();
    if (index.isEmpty()) {
      return List.of(fetched);
    }
    return index.get().platformManifests().stream()
        .map(entry -> fetchManifest(reference.withDigest(entry.digest())))
        .filter(child -> !child.isIndex())
        .toList();
  }

  /**
   * The entry of {@code index} a node of {@code platform} would run; see {@link ImageIndex#select}.
   */
  public static Optional<Descriptor> selectPlatform(ImageIndex index, Platform platform) {
    return index.select(platform);
  }

  /** The config blob of {@code manifest}, fetched from the repository of {@code reference}. */
  public ImageConfig fetchConfig(ImageReference reference, Manifest manifest) {
    byte[] blob = readBlob(reference, manifest.config(), MAX_CONFIG_BYTES);
    try {
      return FetchedManifest.JSON.readValue(blob, ImageConfig.class);
    } catch (IOException | IllegalArgumentException e) {
      throw RegistryErrors.protocol(
          Target.blob(reference, manifest.config().digest()),
          "an image config that is malformed",
          e);
    }
  }

  /** The config of the image {@code reference} runs as on {@code platform}. */
  public ImageConfig fetchConfig(ImageReference reference, Platform platform) {
    FetchedManifest fetched = fetchManifest(reference, platform);
    return fetchConfig(reference, fetched.manifest().orElseThrow());
  }

  /**
   * Streams the blob {@code blob} points at, following redirects to storage. The stream throws a
   * DIGEST_MISMATCH {@link RegistryException} from {@code read} when the content or its size turns
   * out wrong; treat content as untrusted until the stream reported its end.
   */
  public DigestVerifyingInputStream openBlob(ImageReference repository, Descriptor blob) {
    return openBlob(repository, blob.digest(), blob.size());
  }

  /** Like {@link #openBlob(ImageReference, Descriptor)} when the size is not known. */
  public DigestVerifyingInputStream openBlob(ImageReference repository, Digest digest) {
    return openBlob(repository, digest, -1);
  }

  private DigestVerifyingInputStream openBlob(ImageReference repository, Digest digest, long size) {
    Target target = Target.blob(repository, digest);
    Answer answer = send("GET", blobUri(repository, digest), List.of(), repository, target);
    if (answer.status() != 200) {
      throw failure(answer, target);
    }
    return new DigestVerifyingInputStream(answer.response().body(), digest, size, target);
  }

  /**
   * The blob's bytes from {@code offset} on, to continue a download that broke off. A registry that
   * answers the range sends only those bytes, which are not verified here (the caller holds the
   * rest and checks the digest of the whole); one that ignores it sends the whole blob, verified as
   * it streams, and the caller drops the first {@code offset} bytes as it reads (see {@link
   * BlobFrom#startsAt}).
   */
  public BlobFrom openBlobFrom(ImageReference repository, Descriptor blob, long offset) {
    return openBlobRange(repository, blob, offset, blob.size());
  }

  /**
   * The blob's bytes from {@code offset} up to {@code end} (exclusive), as {@link #openBlobFrom}
   * does: a byte-range piece of a blob that several nodes fetch in parts. A registry that ignores
   * the range sends the whole blob, from which the caller takes what it asked for.
   */
  public BlobFrom openBlobRange(ImageReference repository, Descriptor blob, long offset, long end) {
    if (offset <= 0 && end >= blob.size()) {
      return new BlobFrom(openBlob(repository, blob), 0);
    }
    Target target = Target.blob(repository, blob.digest());
    Call call =
        new Call(
            "GET",
            blobUri(repository, blob.digest()),
            List.of(),
            pullScope(repository),
            target,
            offset,
            end >= blob.size() ? -1 : end - 1);
    Answer answer = transport.send(call, credentials.credentialsFor(repository).orElse(null));
    if (answer.status() == 206) {
      String range = answer.response().headers().firstValue("Content-Range").orElse("");
      if (!BlobFrom.rangeStartsAt(range, offset)) {
        HttpExchange.readErrorBody(answer.response());
        throw RegistryErrors.protocol(
            target, "a Content-Range of '" + range + "' for bytes from " + offset);
      }
      return new BlobFrom(answer.response().body(), offset);
    }
    if (answer.status() != 200) {
      throw failure(answer, target);
    }
    return new BlobFrom(
        new DigestVerifyingInputStream(
            answer.response().body(), blob.digest(), blob.size(), target),
        0);
  }

  /**
   * A small blob, read whole and verified: configs, signature payloads, attestations.
   *
   * @throws RegistryException PROTOCOL if it is larger than {@code maxBytes}
   */
  public byte[] readBlob(ImageReference repository, Descriptor blob, long maxBytes) {
    Target target = Target.blob(repository, blob.digest());
    if (blob.size() > maxBytes) {
      throw RegistryErrors.protocol(
          target, "a descriptor of " + blob.size() + " bytes, over the limit of " + maxBytes);
    }
    try (InputStream in = openBlob(repository, blob)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw RegistryErrors.forIo(target, repository.apiHost(), e, 1);
    }
  }

  /** Every tag of {@code repository}, following the registry's pagination. */
  public List<String> listTags(ImageReference repository) {
    return tagLister.listTags(repository, 0);
  }

  /**
   * Every tag of {@code repository}, asking for {@code pageSize} per request; pages are followed by
   * {@code Link} header or, for registries that send none, by {@code last}.
   */
  public List<String> listTags(ImageReference repository, int pageSize) {
    return tagLister.listTags(repository, pageSize);
  }

  /** Every repository in the registry's catalog; many public registries do not offer one. */
  public List<String> listRepositories(String registry, int pageSize) {
    return tagLister.listRepositories(ImageReference.normalizeRegistry(registry), pageSize);
  }

  private Answer send(String method, URI uri, List<String> accept, ImageReference reference) {
    return send(method, uri, accept, reference, Target.manifest(reference));
  }

  private Answer send(
      String method, URI uri, List<String> accept, ImageReference reference, Target target) {
    Call call = new Call(method, uri, accept, pullScope(reference), target);
    return transport.send(call, credentials.credentialsFor(reference).orElse(null));
  }

  private URI blobUri(ImageReference repository, Digest digest) {
    return transport.apiUri(
        repository.registry(), "/v2/" + repository.repository() + "/blobs/" + digest);
  }

  private URI manifestUri(ImageReference reference) {
    return transport.apiUri(
        reference.registry(),
        "/v2/" + reference.repository() + "/manifests/" + reference.manifestReference());
  }

  static String pullScope(ImageReference reference) {
    return "repository:" + reference.repository() + ":pull";
  }

  static RegistryException failure(Answer answer, Target target) {
    byte[] body = HttpExchange.readErrorBody(answer.response());
    return RegistryErrors.forStatus(target, answer.status(), body, answer.sentCredentials(), 1);
  }

  static byte[] readBounded(Answer answer, long maxBytes, Target target) {
    try (InputStream body = answer.response().body()) {
      byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (bytes.length > maxBytes) {
        throw RegistryErrors.protocol(
            target, target.what() + " larger than the limit of " + maxBytes + " bytes");
      }
      return bytes;
    } catch (IOException e) {
      throw RegistryErrors.forIo(target, answer.uri().getAuthority(), e, 1);
    }
  }

  private static Digest parseDigest(String value, Target target) {
    try {
      return Digest.parse(value.trim());
    } catch (IllegalArgumentException e) {
      throw RegistryErrors.protocol(
          target, "an invalid Docker-Content-Digest for " + target.what());
    }
  }

  private static Digest hash(Digest algorithmOf, byte[] content) {
    var hasher = algorithmOf.newHasher();
    hasher.update(content);
    return Digest.of(hasher);
  }

  private static RegistryException noSuchPlatform(
      ImageReference reference, ImageIndex index, Platform platform) {
    String available =
        index.platformManifests().stream()
            .map(d -> d.platform().toString())
            .distinct()
            .collect(Collectors.joining(", "));
    Target target = Target.manifest(reference);
    return new RegistryException(
        RegistryException.Kind.NOT_FOUND,
        reference.registry(),
        "registry "
            + reference.registry()
            + " has no "
            + platform
            + " image in "
            + target.what()
            + " (available: "
            + (available.isEmpty() ? "none" : available)
            + ")");
  }

  /** Builds a client; only the settings and credentials are meant to vary outside tests. */
  public static final class Builder {
    private RegistrySettings settings = RegistrySettings.defaults();
    private CredentialsProvider credentials = CredentialsProvider.anonymous();
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private DoubleSupplier random = new SecureRandom()::nextDouble;

    private Builder() {}

    public Builder settings(RegistrySettings value) {
      this.settings = Objects.requireNonNull(value);
      return this;
    }

    public Builder credentials(CredentialsProvider value) {
      this.credentials = Objects.requireNonNull(value);
      return this;
    }

    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value);
      return this;
    }

    /** Replaces the waiting between retries, so tests can observe backoff without waiting. */
    public Builder sleeper(Sleeper value) {
      this.sleeper = Objects.requireNonNull(value);
      return this;
    }

    Builder random(DoubleSupplier value) {
      this.random = value;
      return this;
    }

    public RegistryClient build() {
      HttpExchange exchange = HttpExchange.create(settings, sleeper, clock, random);
      Authenticator authenticator = new Authenticator(exchange, new TokenCache(clock), settings);
      RegistryTransport transport = new RegistryTransport(settings, exchange, authenticator);
      return new RegistryClient(settings, transport, credentials);
    }
  }
}
