package io.dockmaster.signature;

import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;

/**
 * Signatures the real cosign v2.6.5 made ({@code cosign sign --key ... --tlog-upload=false}), to
 * pin the formats in pure tests: the payload is the layer blob and the signatures are the layers'
 * {@code dev.cosignproject.cosign/signature} annotations.
 */
final class CosignVectors {

  private CosignVectors() {}

  static final Digest IMAGE =
      Digest.parse("sha256:0ae7ef3b8a1cfbe8b93a20698f325aba02266519b058e70c098073bad9eb0e53");

  static final byte[] PAYLOAD =
      ("{\"critical\":{\"identity\":{\"docker-reference\":\"127.0.0.1:15917/team/app\"},"
              + "\"image\":{\"docker-manifest-digest\":"
              + "\"sha256:0ae7ef3b8a1cfbe8b93a20698f325aba02266519b058e70c098073bad9eb0e53\"},"
              + "\"type\":\"cosign container image signature\"},\"optional\":null}")
          .getBytes(StandardCharsets.UTF_8);

  /** {@code cosign generate-key-pair}: ECDSA P-256, signature over SHA-256. */
  static final String P256_PUBLIC =
      """
      -----BEGIN PUBLIC KEY-----
      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDbzRaN9/zSa0pi8ZfQfjqRAQdca1
      bj5kfjvyuITeABnoZRGCjCF+y3MidxvkBHR33uY+FvnWexG8I9XSSzJLlg==
      -----END PUBLIC KEY-----
      """;

  static final String P256_SIGNATURE =
      "MEUCIQCC7dw4OKPHn3rCcMnmKJIXoFWC4QSsV/XEijAxt/AQWAIgSdDPdv30EBcdvAIubT7oWNeX/8D/TEBkRJbZ9NwLGSk=";

  /** An imported P-384 key: cosign 2.6 signs over SHA-384, not SHA-256. */
  static final String P384_PUBLIC =
      """
      -----BEGIN PUBLIC KEY-----
      MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEFWKdkLABRhmav/IGlLumU9qWHkreLTWV
      tW01/KoQ+VLUgQW0YYzMaQkF3mWXwvNft6BJBALSe/8HFfj4p/gw3zyc76qyeAjJ
      8hapKaBb8j+tG6+5sAPUy1Htskt0L3lL
      -----END PUBLIC KEY-----
      """;

  static final String P384_SIGNATURE =
      "MGQCMG7BKt3EUVbnWpwYCAQE9JXt44Il/qYEKI1XypEC85VVBfvS7tg3gjcO+e6Qts/veAIwFJRf0YBvVKAcS2m6n1WOl"
          + "nIoom3j+xYH1uM21qeSq9NX0haQQ6C0S883ChMaDwlC";

  /** An imported Ed25519 key: cosign 2.6 signs Ed25519ph (SHA-512 prehash), not pure Ed25519. */
  static final String ED25519_PUBLIC =
      """
      -----BEGIN PUBLIC KEY-----
      MCowBQYDK2VwAyEAjdWnDZodTh2RmZahVcSKg8Q+dM7rnxIiujHrasRYQ+g=
      -----END PUBLIC KEY-----
      """;

  static final String ED25519_SIGNATURE =
      "L1Itg+kBng8x+P5vspx2rRTHEyz0LZv49jFDlPoycxcMU1nnCgye2LcnBvCYL8ZllpfH/K62sLpaPE23UQpxCw==";
}
