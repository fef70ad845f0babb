package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Base64;

/** Cosign-shaped payloads and signatures over them, made in-test with JCA. */
final class Payloads {

  private Payloads() {}

  /** A payload byte-for-byte in the shape cosign 2.6 writes. */
  static byte[] cosignPayload(String repository, Digest digest) {
    return ("{\"critical\":{\"identity\":{\"docker-reference\":\""
            + repository
            + "\"},\"image\":{\"docker-manifest-digest\":\""
            + digest
            + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] cosignPayload(Digest digest) {
    return cosignPayload("registry.example/team/app", digest);
  }

  static String sign(PrivateKey key, String algorithm, byte[] payload) {
    return sign(key, algorithm, null, payload);
  }

  /** Base64 of {@code key}'s signature over {@code payload}, as cosign's annotation holds it. */
  static String sign(
      PrivateKey key, String algorithm, AlgorithmParameterSpec parameters, byte[] payload) {
    try {
      Signature signer = Signature.getInstance(algorithm);
      if (parameters != null) {
        signer.setParameter(parameters);
      }
      signer.initSign(key);
      signer.update(payload);
      return Base64.getEncoder().encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static Digest digestOf(String text) {
    return Digest.sha256(text.getBytes(StandardCharsets.UTF_8));
  }
}
