package io.dockmaster.signature;

import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.FetchedManifest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Cosign's tag-based attestations (cosign 2 and earlier): an image manifest tagged {@code
 * sha256-<hex>.att} in the image's repository, one layer per attestation. Each layer is a DSSE
 * envelope of media type {@value #DSSE_ENVELOPE}, labelled with an unsigned {@value
 * #PREDICATE_TYPE_ANNOTATION} annotation; further attestations append layers to the same manifest.
 */
public final class CosignTagAttestations implements AttestationSource {

  public static final String DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json";
  public static final String PREDICATE_TYPE_ANNOTATION = "predicateType";

  private final AttestationLimits limits;

  public CosignTagAttestations(AttestationLimits limits) {
    this.limits = Objects.requireNonNull(limits);
  }

  /** The tag cosign stores the attestations of {@code digest} under, e.g. sha256-<hex>.att. */
  public static String tagFor(Digest digest) {
    return digest.asTagPrefix() + ".att";
  }

  @Override
  public FoundAttestations find(RegistryClient client, ImageReference imageAtDigest) {
    Digest digest =
        imageAtDigest
            .digest()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        imageAtDigest + " has no digest to find attestations for"));
    ImageReference attestations = imageAtDigest.withTag(tagFor(digest));
    FetchedManifest fetched;
    try {
      fetched = client.fetchManifest(attestations);
    } catch (RegistryException e) {
      if (e.kind() == RegistryException.Kind.NOT_FOUND) {
        return FoundAttestations.none();
      }
      throw e;
    }
    if (fetched.manifest().isEmpty()) {
      return new FoundAttestations(
          List.of(),
          List.of(
              new AttestationRejection(
                  tagFor(digest),
                  AttestationRejectionReason.NOT_AN_ATTESTATION,
                  "",
                  "the tag holds an index, where cosign stores an image manifest")));
    }
    return read(client, attestations, fetched.manifest().get().layers());
  }

  private FoundAttestations read(
      RegistryClient client, ImageReference attestations, List<Descriptor> layers) {
    List<AttestationCandidate> candidates = new ArrayList<>();
    List<AttestationRejection> unreadable = new ArrayList<>();
    long budget = limits.maxTotalBytes();
    int considered = Math.min(layers.size(), limits.maxAttestations());
    for (int i = 0; i < considered; i++) {
      Descriptor layer = layers.get(i);
      String origin = "cosign attestation " + (i + 1) + " (" + layer.digest().shortForm() + ")";
      String claimed = layer.annotations().get(PREDICATE_TYPE_ANNOTATION);
      if (!DSSE_ENVELOPE.equals(layer.mediaType())) {
        unreadable.add(
            rejection(
                origin,
                AttestationRejectionReason.NOT_AN_ATTESTATION,
                claimed,
                "layer of media type \""
                    + SimpleSigningPayload.printable(layer.mediaType())
                    + "\", not "
                    + DSSE_ENVELOPE));
      } else if (layer.size() > limits.maxEnvelopeBytes()) {
        unreadable.add(
            rejection(
                origin,
                AttestationRejectionReason.ENVELOPE_TOO_LARGE,
                claimed,
                layer.size() + " bytes, over the limit of " + limits.maxEnvelopeBytes()));
      } else if (layer.size() > budget) {
        unreadable.add(
            rejection(
                origin,
                AttestationRejectionReason.OVER_LIMIT,
                claimed,
                "the attestations before it leave "
                    + budget
                    + " of the "
                    + limits.maxTotalBytes()
                    + " bytes read per image, and it has "
                    + layer.size()));
      } else {
        try {
          // The client stops at the declared size and checks the digest, so a lying descriptor
          // cannot make us read more than the budget allows.
          byte[] envelope = client.readBlob(attestations, layer, limits.maxEnvelopeBytes());
          budget -= envelope.length;
          candidates.add(new AttestationCandidate(origin, envelope, claimed));
        } catch (RegistryException e) {
          unreadable.add(unavailable(origin, claimed, e));
        }
      }
    }
    if (layers.size() > considered) {
      unreadable.add(
          rejection(
              (layers.size() - considered) + " more cosign attestations",
              AttestationRejectionReason.OVER_LIMIT,
              null,
              "only the first " + limits.maxAttestations() + " layers of the .att tag are read"));
    }
    return new FoundAttestations(candidates, unreadable);
  }

  private static AttestationRejection rejection(
      String origin, AttestationRejectionReason reason, String claimed, String detail) {
    return new AttestationRejection(origin, reason, AttestationCheck.forMessages(claimed), detail);
  }

  /**
   * A missing or corrupt envelope spoils this one attestation; an unreachable or refusing registry
   * spoils the whole decision and must not read as "no attestation", so that is rethrown.
   */
  private static AttestationRejection unavailable(
      String origin, String claimed, RegistryException e) {
    if (e.kind() != RegistryException.Kind.NOT_FOUND
        && e.kind() != RegistryException.Kind.DIGEST_MISMATCH) {
      throw e;
    }
    return rejection(
        origin, AttestationRejectionReason.ENVELOPE_UNAVAILABLE, claimed, e.getMessage());
  }
}
