package io.dockmaster.signature;

import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.FetchedManifest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.MediaTypes;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistryException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Cosign's tag-based signatures (cosign 2 and earlier): an image manifest tagged {@code
 * sha256-<hex>.sig} in the image's repository, one layer per signature. Each layer is a
 * simple-signing payload blob whose descriptor carries the base64 signature in the annotation
 * {@value #SIGNATURE_ANNOTATION}; further signers append layers to the same manifest.
 */
public final class CosignTagSignatures implements SignatureSource {

  public static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

  private final SignatureLimits limits;

  public CosignTagSignatures(SignatureLimits limits) {
    this.limits = Objects.requireNonNull(limits);
  }

  @Override
  public FoundSignatures find(RegistryClient client, ImageReference imageAtDigest) {
    if (imageAtDigest.digest().isEmpty()) {
      throw new IllegalArgumentException(imageAtDigest + " has no digest to find signatures for");
    }
    ImageReference signatures = imageAtDigest.cosignSignature();
    String tag = signatures.tag().orElseThrow();
    FetchedManifest fetched;
    try {
      fetched = client.fetchManifest(signatures);
    } catch (RegistryException e) {
      if (e.kind() == RegistryException.Kind.NOT_FOUND) {
        return FoundSignatures.none();
      }
      throw e;
    }
    if (fetched.manifest().isEmpty()) {
      return new FoundSignatures(
          List.of(),
          List.of(
              new Rejection(
                  tag,
                  RejectionReason.NOT_A_SIGNATURE,
                  "the tag holds an index, where cosign stores an image manifest")));
    }
    return read(client, signatures, fetched.manifest().get().layers());
  }

  private FoundSignatures read(
      RegistryClient client, ImageReference signatures, List<Descriptor> layers) {
    List<SignatureCandidate> candidates = new ArrayList<>();
    List<Rejection> unreadable = new ArrayList<>();
    // Cosign writes the same payload blob for every signer, so most layers share one.
    Map<Digest, byte[]> payloads = new HashMap<>();
    int considered = Math.min(layers.size(), limits.maxSignatures());
    for (int i = 0; i < considered; i++) {
      Descriptor layer = layers.get(i);
      String origin = "cosign signature " + (i + 1) + " (" + layer.digest().shortForm() + ")";
      if (!MediaTypes.COSIGN_SIMPLE_SIGNING.equals(layer.mediaType())) {
        unreadable.add(
            new Rejection(
                origin,
                RejectionReason.NOT_A_SIGNATURE,
                "layer of media type \""
                    + SimpleSigningPayload.printable(layer.mediaType())
                    + "\", not "
                    + MediaTypes.COSIGN_SIMPLE_SIGNING));
      } else if (layer.size() > limits.maxPayloadBytes()) {
        unreadable.add(
            new Rejection(
                origin,
                RejectionReason.PAYLOAD_TOO_LARGE,
                layer.size() + " bytes, over the limit of " + limits.maxPayloadBytes()));
      } else {
        try {
          byte[] payload = payloads.get(layer.digest());
          if (payload == null || payload.length != layer.size()) {
            payload = client.readBlob(signatures, layer, limits.maxPayloadBytes());
            payloads.put(layer.digest(), payload);
          }
          candidates.add(
              new SignatureCandidate(
                  origin, payload, layer.annotations().get(SIGNATURE_ANNOTATION)));
        } catch (RegistryException e) {
          unreadable.add(unavailable(origin, e));
        }
      }
    }
    if (layers.size() > considered) {
      unreadable.add(
          new Rejection(
              (layers.size() - considered) + " more cosign signatures",
              RejectionReason.OVER_LIMIT,
              "only the first " + limits.maxSignatures() + " layers of the .sig tag are read"));
    }
    return new FoundSignatures(candidates, unreadable);
  }

  /**
   * A missing or corrupt payload spoils this one signature; an unreachable or refusing registry
   * spoils the whole decision and must not read as "unsigned", so that is rethrown.
   */
  private static Rejection unavailable(String origin, RegistryException e) {
    if (e.kind() != RegistryException.Kind.NOT_FOUND
        && e.kind() != RegistryException.Kind.DIGEST_MISMATCH) {
      throw e;
    }
    return new Rejection(origin, RejectionReason.PAYLOAD_UNAVAILABLE, e.getMessage());
  }
}
