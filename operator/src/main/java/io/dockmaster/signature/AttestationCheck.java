package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides, per predicate type, which authorities attested an image digest, from envelopes an {@link
 * AttestationSource} found. Pure: no I/O, and every input, however hostile, ends in a verdict
 * rather than an exception.
 *
 * <p>An envelope counts for an authority when its payload type is in-toto's, its payload is an
 * in-toto statement with a subject whose digest is the image's, and the authority's key verifies
 * one of its signatures over the DSSE pre-authentication encoding. The predicate type that counts
 * is the signed statement's; the registry's unsigned label is only used to explain rejections.
 */
public final class AttestationCheck {

  /** Longer than any signature of a supported key (RSA 16384 is 2048 bytes, base64 2732). */
  private static final int MAX_SIGNATURE_CHARS = 4096;

  /** Policies name predicate types of at most this length; longer claims are only printed. */
  private static final int MAX_PREDICATE_TYPE_CHARS = 512;

  private final AttestationLimits limits;

  public AttestationCheck(AttestationLimits limits) {
    this.limits = Objects.requireNonNull(limits);
  }

  /**
   * @param expected the digest of the image being decided on
   * @param authorities trusted keys by the name policies and messages use for them
   */
  public AttestationVerdict check(
      Digest expected, FoundAttestations found, Map<String, TrustedKey> authorities) {
    Objects.requireNonNull(expected, "expected");
    Map<String, Set<String>> verified = new TreeMap<>();
    List<AttestationRejection> rejections = new ArrayList<>(found.unreadable());
    Map<String, KeyHolders> keys = byKey(authorities);
    List<AttestationCandidate> candidates = found.candidates();
    int considered = Math.min(candidates.size(), limits.maxAttestations());
    for (AttestationCandidate candidate : candidates.subList(0, considered)) {
      Evaluation evaluation = evaluate(expected, candidate, keys, authorities);
      if (evaluation.rejection() != null) {
        rejections.add(evaluation.rejection());
      } else {
        verified
            .computeIfAbsent(evaluation.predicateType(), type -> new TreeSet<>())
            .addAll(evaluation.signers());
      }
    }
    if (candidates.size() > considered) {
      rejections.add(
          new AttestationRejection(
              (candidates.size() - considered) + " more attestations",
              AttestationRejectionReason.OVER_LIMIT,
              "",
              "only the first "
                  + limits.maxAttestations()
                  + " attestations of an image are checked"));
    }
    int total = candidates.size() + found.unreadable().size();
    return new AttestationVerdict(expected, verified, rejections, total);
  }

  /**
   * A claimed predicate type fit for a rejection: as is if a policy could name it, else printed.
   */
  static String forMessages(String claimed) {
    if (claimed == null) {
      return "";
    }
    return claimed.length() <= MAX_PREDICATE_TYPE_CHARS
        ? claimed
        : SimpleSigningPayload.printable(claimed);
  }

  /** Either the rejection, or the statement's predicate type and who signed it. */
  private record Evaluation(
      AttestationRejection rejection, String predicateType, Set<String> signers) {}

  /** Authorities that share one key: one verification answers for all their names. */
  private record KeyHolders(TrustedKey key, Set<String> names) {}

  private Evaluation evaluate(
      Digest expected,
      AttestationCandidate candidate,
      Map<String, KeyHolders> keys,
      Map<String, TrustedKey> authorities) {
    String origin = candidate.origin();
    String claimed = forMessages(candidate.annotatedPredicateType());
    if (candidate.size() > limits.maxEnvelopeBytes()) {
      return rejected(
          origin,
          AttestationRejectionReason.ENVELOPE_TOO_LARGE,
          claimed,
          candidate.size() + " bytes, over the limit of " + limits.maxEnvelopeBytes());
    }
    DsseEnvelope envelope;
    try {
      envelope = DsseEnvelope.parse(candidate.envelope());
    } catch (InvalidAttestationException e) {
      return rejected(
          origin, AttestationRejectionReason.UNPARSEABLE_ENVELOPE, claimed, e.getMessage());
    }
    if (!DsseEnvelope.IN_TOTO_PAYLOAD_TYPE.equals(envelope.payloadType())) {
      return rejected(
          origin,
          AttestationRejectionReason.WRONG_PAYLOAD_TYPE,
          claimed,
          "payloadType is \""
              + SimpleSigningPayload.printable(envelope.payloadType())
              + "\", not "
              + DsseEnvelope.IN_TOTO_PAYLOAD_TYPE);
    }
    // The statement is parsed before any signature is checked: what cannot count anyway is not
    // worth a verification over megabytes.
    InTotoStatement statement;
    try {
      statement = InTotoStatement.parse(envelope.payload());
    } catch (InvalidAttestationException e) {
      return rejected(
          origin, AttestationRejectionReason.UNPARSEABLE_STATEMENT, claimed, e.getMessage());
    }
    String predicateType = statement.predicateType();
    String typeForMessages = forMessages(predicateType);
    Signers signers = signers(envelope, keys);
    if (!statement.covers(expected)) {
      return rejected(
          origin,
          AttestationRejectionReason.SUBJECT_MISMATCH,
          typeForMessages,
          "it is about "
              + statement.describeSubjects()
              + signedBy(signers.names())
              + ", not "
              + expected.shortForm()
              + "; copied from another image, or the tag moved");
    }
    if (signers.names().isEmpty()) {
      if (signers.malformed() != null) {
        return rejected(
            origin, AttestationRejectionReason.BAD_SIGNATURE, typeForMessages, signers.malformed());
      }
      return rejected(
          origin,
          AttestationRejectionReason.NO_KEY_MATCHED,
          typeForMessages,
          (authorities.isEmpty()
                  ? "no keys are trusted"
                  : "none of " + new TreeSet<>(authorities.keySet()) + " verifies it")
              + signers.notChecked());
    }
    return new Evaluation(null, predicateType, signers.names());
  }

  /**
   * Who signed the envelope.
   *
   * @param malformed why no signature could even be decoded, or null if one could
   * @param notChecked a clause about signatures beyond the limit, or empty
   */
  private record Signers(Set<String> names, String malformed, String notChecked) {}

  private Signers signers(DsseEnvelope envelope, Map<String, KeyHolders> keys) {
    List<DsseEnvelope.Signature> signatures = envelope.signatures();
    if (signatures.isEmpty()) {
      return new Signers(Set.of(), "the envelope has no signatures", "");
    }
    HashedMessage pae = new HashedMessage(envelope.pae());
    Set<String> names = new TreeSet<>();
    String malformed = null;
    boolean decoded = false;
    int considered = Math.min(signatures.size(), limits.maxSignaturesPerEnvelope());
    for (DsseEnvelope.Signature signature : signatures.subList(0, considered)) {
      byte[] bytes;
      try {
        bytes = decode(signature.sig());
      } catch (InvalidAttestationException e) {
        malformed = malformed == null ? e.getMessage() : malformed;
        continue;
      }
      decoded = true;
      for (KeyHolders holders : keys.values()) {
        if (!names.containsAll(holders.names()) && pae.verifiedBy(holders.key().key(), bytes)) {
          names.addAll(holders.names());
        }
      }
    }
    String notChecked =
        signatures.size() > considered
            ? "; only the first "
                + considered
                + " of its "
                + signatures.size()
                + " signatures were checked"
            : "";
    return new Signers(names, decoded ? null : malformed, notChecked);
  }

  private static Map<String, KeyHolders> byKey(Map<String, TrustedKey> authorities) {
    Map<String, KeyHolders> keys = new LinkedHashMap<>();
    authorities.forEach(
        (name, key) -> {
          byte[] encoded = key.key().getEncoded();
          String identity = encoded == null ? "name " + name : HexFormat.of().formatHex(encoded);
          keys.computeIfAbsent(identity, id -> new KeyHolders(key, new TreeSet<>()))
              .names()
              .add(name);
        });
    return keys;
  }

  private static String signedBy(Set<String> signers) {
    return signers.isEmpty() ? "" : " (validly signed by " + String.join(", ", signers) + ")";
  }

  private static Evaluation rejected(
      String origin, AttestationRejectionReason reason, String predicateType, String detail) {
    return new Evaluation(
        new AttestationRejection(origin, reason, predicateType, detail), null, null);
  }

  private static byte[] decode(String base64) throws InvalidAttestationException {
    if (base64 == null || base64.isEmpty()) {
      throw new InvalidAttestationException("empty signature");
    }
    if (base64.length() > MAX_SIGNATURE_CHARS) {
      throw new InvalidAttestationException(
          base64.length() + " characters, longer than any supported signature");
    }
    byte[] signature = DsseEnvelope.decodeBase64(base64, "the signature");
    if (signature.length == 0) {
      throw new InvalidAttestationException("empty signature");
    }
    return signature;
  }
}
