package io.dockmaster.signature;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A message that many signatures are checked over, hashed once per hash algorithm rather than once
 * per key and scheme. Attestation payloads are SBOMs of megabytes; checked the plain way, every
 * trusted key times every scheme times every signature would hash the whole SBOM again, which a
 * hostile registry could turn into seconds of CPU per admission request.
 *
 * <p>The schemes are {@link SignatureSchemes}' (the same ones cosign 2.6 uses for DSSE envelopes,
 * checked against the real binary): ECDSA over SHA-256, and SHA-384 on P-384 and SHA-512 on P-521;
 * RSA PKCS#1 v1.5 with SHA-256; Ed25519ph, and pure Ed25519 as older cosign signed. Only pure
 * Ed25519 needs the whole message per key, because its hash covers the key and signature too.
 * {@code HashedMessageTest} keeps the two classes in agreement.
 */
final class HashedMessage {

  private static final int ED25519_SIGNATURE_BYTES = 64;
  private static final int ED25519_KEY_BYTES = 32;

  /** DER of DigestInfo{sha256, NULL} up to the hash, which PKCS#1 v1.5 signs around the hash. */
  private static final byte[] SHA256_DIGEST_INFO =
      HexFormat.of().parseHex("3031300d060960864801650304020105000420");

  private final byte[] message;
  private final Map<String, byte[]> hashes = new HashMap<>();

  /** Keeps {@code message} without copying it; the caller must not change it. */
  HashedMessage(byte[] message) {
    this.message = message;
  }

  /** Whether {@code signature} is {@code key}'s signature over the message in any scheme. */
  boolean verifiedBy(PublicKey key, byte[] signature) {
    if (key instanceof ECPublicKey ec) {
      for (String hash : ecdsaHashes(ec)) {
        if (verify("NONEwithECDSA", key, hash(hash), signature)) {
          return true;
        }
      }
      return false;
    }
    if (key instanceof RSAPublicKey) {
      byte[] hash = hash("SHA-256");
      byte[] digestInfo = new byte[SHA256_DIGEST_INFO.length + hash.length];
      System.arraycopy(SHA256_DIGEST_INFO, 0, digestInfo, 0, SHA256_DIGEST_INFO.length);
      System.arraycopy(hash, 0, digestInfo, SHA256_DIGEST_INFO.length, hash.length);
      return verify("NONEwithRSA", key, digestInfo, signature);
    }
    if (isEd25519(key)) {
      // Ed25519 signatures have one length; anything else is not worth a verification.
      return signature.length == ED25519_SIGNATURE_BYTES
          && (ed25519ph(key, signature) || verify("Ed25519", key, message, signature));
    }
    return false;
  }

  private static List<String> ecdsaHashes(ECPublicKey key) {
    int bits = key.getParams().getOrder().bitLength();
    if (bits > 384) {
      return List.of("SHA-256", "SHA-512");
    }
    if (bits > 256) {
      return List.of("SHA-256", "SHA-384");
    }
    return List.of("SHA-256");
  }

  private byte[] hash(String algorithm) {
    return hashes.computeIfAbsent(
        algorithm,
        name -> {
          try {
            return MessageDigest.getInstance(name).digest(message);
          } catch (NoSuchAlgorithmException e) {
            // Every Java runtime must provide SHA-256, SHA-384 and SHA-512.
            throw new IllegalStateException(e);
          }
        });
  }

  /** Ed25519ph over the SHA-512 of the message, with the empty context cosign uses. */
  private boolean ed25519ph(PublicKey key, byte[] signature) {
    try {
      byte[] raw = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getPublicKeyData().getBytes();
      return raw.length == ED25519_KEY_BYTES
          && Ed25519.verifyPrehash(signature, 0, raw, 0, new byte[0], hash("SHA-512"), 0);
    } catch (RuntimeException e) {
      // A key or signature BouncyCastle cannot decode verifies nothing.
      return false;
    }
  }

  private static boolean isEd25519(PublicKey key) {
    return key.getAlgorithm().equals("Ed25519") || key.getAlgorithm().equals("EdDSA");
  }

  private static boolean verify(String algorithm, PublicKey key, byte[] input, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(key);
      verifier.update(input);
      return verifier.verify(signature);
    } catch (NoSuchAlgorithmException e) {
      // Every Java 17 runtime has these; without them no signature could ever verify.
      throw new IllegalStateException("the runtime cannot verify " + algorithm + " signatures", e);
    } catch (GeneralSecurityException | RuntimeException e) {
      // A malformed signature is not a valid one, however the provider reports it.
      return false;
    }
  }
}
