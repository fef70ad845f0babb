package io.dockmaster.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * A manifest or index as the registry served it: the verified raw bytes (what signatures are
 * computed over), their descriptor, and the parsed content.
 */
public final class FetchedManifest {

  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Descriptor descriptor;
  private final byte[] raw;
  private final ManifestContent content;

  private FetchedManifest(Descriptor descriptor, byte[] raw, ManifestContent content) {
    this.descriptor = descriptor;
    this.raw = raw;
    this.content = content;
  }

  /**
   * Parses manifest bytes whose digest has already been verified.
   *
   * @param contentType the response's Content-Type, used when the JSON has no mediaType
   */
  static FetchedManifest parse(byte[] raw, String contentType, Digest digest, Target target) {
    JsonNode json;
    try {
      json = JSON.readTree(raw);
    } catch (IOException e) {
      throw RegistryErrors.protocol(target, target.what() + " that is not valid JSON");
    }
    if (json == null || !json.isObject()) {
      throw RegistryErrors.protocol(target, target.what() + " that is not a JSON object");
    }
    String mediaType = json.path("mediaType").asText("");
    if (mediaType.isEmpty()) {
      mediaType = MediaTypes.stripParameters(contentType);
    }
    if (!MediaTypes.isIndex(mediaType) && !MediaTypes.isManifest(mediaType)) {
      // OCI lets mediaType be omitted and some registries serve application/json: go by shape.
      if (json.has("manifests")) {
        mediaType = MediaTypes.OCI_INDEX;
      } else if (json.has("config") && json.has("layers")) {
        mediaType = MediaTypes.OCI_MANIFEST;
      } else {
        throw RegistryErrors.protocol(
            target,
            target.what()
                + " of unsupported media type \""
                + RegistryErrors.sanitize(mediaType)
                + "\"");
      }
    }
    ManifestContent content;
    try {
      content =
          MediaTypes.isIndex(mediaType)
              ? JSON.treeToValue(json, ImageIndex.class)
              : JSON.treeToValue(json, Manifest.class);
    } catch (IOException | IllegalArgumentException e) {
      throw RegistryErrors.protocol(target, target.what() + " that is malformed", e);
    }
    if (content instanceof Manifest manifest && manifest.config() == null) {
      throw RegistryErrors.protocol(target, target.what() + " without a config descriptor");
    }
    return new FetchedManifest(new Descriptor(mediaType, digest, raw.length), raw, content);
  }

  /** The digest, size and media type of exactly these bytes. */
  public Descriptor descriptor() {
    return descriptor;
  }

  public Digest digest() {
    return descriptor.digest();
  }

  /**
   * A copy of the bytes as served; signatures and digests are over these, not re-serialized JSON.
   */
  public byte[] raw() {
    return Arrays.copyOf(raw, raw.length);
  }

  public ManifestContent content() {
    return content;
  }

  public boolean isIndex() {
    return content instanceof ImageIndex;
  }

  public Optional<Manifest> manifest() {
    return content instanceof Manifest m ? Optional.of(m) : Optional.empty();
  }

  public Optional<ImageIndex> index() {
    return content instanceof ImageIndex i ? Optional.of(i) : Optional.empty();
  }

  @Override
  public String toString() {
    return "FetchedManifest{" + descriptor.mediaType() + " " + descriptor.digest() + "}";
  }
}
