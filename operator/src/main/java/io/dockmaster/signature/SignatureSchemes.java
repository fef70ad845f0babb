package io.dockmaster.signature;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.EdDSAParameterSpec;
import java.util.List;

/**
 * Checks a signature over message bytes with a public key, in every scheme cosign signs with for
 * that kind of key. The signature carries no algorithm, so the key decides:
 *
 * <ul>
 *   <li>ECDSA: ASN.1 DER signature over SHA-256 of the message, which cosign used for every curve
 *       before sigstore's algorithm registry; since then P-384 signs with SHA-384 and P-521 with
 *       SHA-512, so those are accepted too.
 *   <li>RSA: PKCS#1 v1.5 with SHA-256 (cosign's only RSA scheme for key files).
 *   <li>Ed25519: pure Ed25519, as older cosign signed, or Ed25519ph with SHA-512, which current
 *       cosign uses for key files because it is the only form a hashedrekord log entry takes.
 * </ul>
 *
 * Accepting several schemes for one key is safe: each is a full signature scheme in its own right
 * and none can be turned into another without the private key.
 */
final class SignatureSchemes {

  private static final int ED25519_SIGNATURE_BYTES = 64;

  private SignatureSchemes() {}

  /** Whether {@code signature} is {@code key}'s signature over {@code message} in any scheme. */
  static boolean verifies(PublicKey key, byte[] message, byte[] signature) {
    if (key instanceof ECPublicKey ec) {
      return ecdsaHashes(ec).stream()
          .anyMatch(hash -> verify(hash + "withECDSA", null, key, message, signature));
    }
    if (key instanceof RSAPublicKey) {
      return verify("SHA256withRSA", null, key, message, signature);
    }
    if (isEd25519(key)) {
      // Ed25519 signatures have one length; anything else is not worth a verification.
      return signature.length == ED25519_SIGNATURE_BYTES
          && (verify("Ed25519", null, key, message, signature)
              || verify("Ed25519", new EdDSAParameterSpec(true), key, message, signature));
    }
    return false;
  }

  private static List<String> ecdsaHashes(ECPublicKey key) {
    int bits = key.getParams().getOrder().bitLength();
    if (bits > 384) {
      return List.of("SHA256", "SHA512");
    }
    if (bits > 256) {
      return List.of("SHA256", "SHA384");
    }
    return List.of("SHA256");
  }

  private static boolean isEd25519(PublicKey key) {
    return key.getAlgorithm().equals("Ed25519") || key.getAlgorithm().equals("EdDSA");
  }

  private static boolean verify(
      String algorithm,
      EdDSAParameterSpec parameters,
      PublicKey key,
      byte[] message,
      byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(algorithm);
      if (parameters != null) {
        verifier.setParameter(parameters);
      }
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
      // Every Java 17 runtime has these; without them no signature could ever verify.
      throw new IllegalStateException("the runtime cannot verify " + algorithm + " signatures", e);
    } catch (GeneralSecurityException | RuntimeException e) {
      // A malformed signature is not a valid one. Providers report malformed encodings with
      // SignatureException but some paths throw unchecked exceptions (ProviderException,
      // IllegalArgumentException); none of them may turn a bad signature into a failed admission
      // request.
      return false;
    }
  }
}
