package io.dockmaster.signature;

import io.dockmaster.registry.Digest;

/**
 * Attestations the real cosign v2.6.5 made ({@code cosign attest --key ... --type cyclonedx
 * --tlog-upload=false}), to pin the formats in pure tests: each envelope is a layer blob of the
 * image's {@code .att} manifest, and each key signed with the scheme cosign uses for its type
 * (P-384 over SHA-384, P-521 over SHA-512, RSA PKCS#1 v1.5 SHA-256, Ed25519ph).
 */
final class CosignAttestationVectors {

  private CosignAttestationVectors() {}

  /** The image all envelopes attest: their statements' only subject. */
  static final Digest IMAGE =
      Digest.parse("sha256:23d9fa4562a39df39da68001e7adf8bfe72cb124ada6123bb2d9c6f14c36136c");

  static final String CYCLONEDX = "https://cyclonedx.org/bom";

  /** The in-toto statement every envelope carries, byte for byte. */
  static final String STATEMENT =
      "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"https://cyclonedx.org/bom\",\"subject\":[{\"name\":\"127.0.0.1:32855/team/app\",\"digest\":{\"sha256\":\"23d9fa4562a39df39da68001e7adf8bfe72cb124ada6123bb2d9c6f14c36136c\"}}],\"predicate\":{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"left-pad\",\"type\":\"library\",\"version\":\"1.3.0\"}],\"specVersion\":\"1.5\",\"version\":1}}";

  /** {@code cosign generate-key-pair}: ECDSA P-256, signature over SHA-256. */
  static final String P256_ENVELOPE =
      "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG9"
          + "0by5pby9TdGF0ZW1lbnQvdjAuMSIsInByZWRpY2F0ZVR5cGUiOiJodHRwczovL2N5Y2xvbmVkeC5vcmcvYm9tIiw"
          + "ic3ViamVjdCI6W3sibmFtZSI6IjEyNy4wLjAuMTozMjg1NS90ZWFtL2FwcCIsImRpZ2VzdCI6eyJzaGEyNTYiOiI"
          + "yM2Q5ZmE0NTYyYTM5ZGYzOWRhNjgwMDFlN2FkZjhiZmU3MmNiMTI0YWRhNjEyM2JiMmQ5YzZmMTRjMzYxMzZjIn1"
          + "9XSwicHJlZGljYXRlIjp7ImJvbUZvcm1hdCI6IkN5Y2xvbmVEWCIsImNvbXBvbmVudHMiOlt7Im5hbWUiOiJsZWZ"
          + "0LXBhZCIsInR5cGUiOiJsaWJyYXJ5IiwidmVyc2lvbiI6IjEuMy4wIn1dLCJzcGVjVmVyc2lvbiI6IjEuNSIsInZ"
          + "lcnNpb24iOjF9fQ==\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"MEUCICU6I0+FKgxxYkbJ10A0m8zsbOhQEWka"
          + "sdl1kcDbdJ6rAiEA5BYzVZpbBGtxlgEVZQHkqymmokMGxNJtWAv40Ge/jlU=\"}]}";

  static final String P256_PUBLIC =
      """
      -----BEGIN PUBLIC KEY-----
      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE91S8J2X/NPXlORlG7igKXHpVlaGi
      y4NQp5XYAbLg1Ls15NI2b1Wwlaof5QHfvd52Bab5eMV84O/6C8elNfArrg==
      -----END PUBLIC KEY-----
      """;

  static final String P384_ENVELOPE =
      "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG9"
          + "0by5pby9TdGF0ZW1lbnQvdjAuMSIsInByZWRpY2F0ZVR5cGUiOiJodHRwczovL2N5Y2xvbmVkeC5vcmcvYm9tIiw"
          + "ic3ViamVjdCI6W3sibmFtZSI6IjEyNy4wLjAuMTozMjg1NS90ZWFtL2FwcCIsImRpZ2VzdCI6eyJzaGEyNTYiOiI"
          + "yM2Q5ZmE0NTYyYTM5ZGYzOWRhNjgwMDFlN2FkZjhiZmU3MmNiMTI0YWRhNjEyM2JiMmQ5YzZmMTRjMzYxMzZjIn1"
          + "9XSwicHJlZGljYXRlIjp7ImJvbUZvcm1hdCI6IkN5Y2xvbmVEWCIsImNvbXBvbmVudHMiOlt7Im5hbWUiOiJsZWZ"
          + "0LXBhZCIsInR5cGUiOiJsaWJyYXJ5IiwidmVyc2lvbiI6IjEuMy4wIn1dLCJzcGVjVmVyc2lvbiI6IjEuNSIsInZ"
          + "lcnNpb24iOjF9fQ==\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"MGUCMQCQMEvp4ArFgxIXZRVEipdKbJ5pncCy"
          + "BPhfXkvVcqHfZkRRQrBX723l3msqD9ctvMECMFudcNlLYbRwH0caUWuQwL0noOcqwXvQPs2+V9mmVu3h5gjTwVaa"
          + "c/AAxLtAkmJdvg==\"}]}";

  static final String P384_PUBLIC =
      """
      -----BEGIN PUBLIC KEY-----
      MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEEoDKx9NG1zMY1Ny+lT0ha1HsIoztzBV3
      N5TinTwV1TUaKOEJpLgLCAepEWyjiKl8SrgM0/tRkqOXi3hQlEq6xTLULBu7c4FY
      m6TFM/YTPiOqhkFxZZvSYaanXaJMcY/p
      -----END PUBLIC KEY-----
      """;

  static final String ED_ENVELOPE =
      "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG9"
          + "0by5pby9TdGF0ZW1lbnQvdjAuMSIsInByZWRpY2F0ZVR5cGUiOiJodHRwczovL2N5Y2xvbmVkeC5vcmcvYm9tIiw"
          + "ic3ViamVjdCI6W3sibmFtZSI6IjEyNy4wLjAuMTozMjg1NS90ZWFtL2FwcCIsImRpZ2VzdCI6eyJzaGEyNTYiOiI"
          + "yM2Q5ZmE0NTYyYTM5ZGYzOWRhNjgwMDFlN2FkZjhiZmU3MmNiMTI0YWRhNjEyM2JiMmQ5YzZmMTRjMzYxMzZjIn1"
          + "9XSwicHJlZGljYXRlIjp7ImJvbUZvcm1hdCI6IkN5Y2xvbmVEWCIsImNvbXBvbmVudHMiOlt7Im5hbWUiOiJsZWZ"
          + "0LXBhZCIsInR5cGUiOiJsaWJyYXJ5IiwidmVyc2lvbiI6IjEuMy4wIn1dLCJzcGVjVmVyc2lvbiI6IjEuNSIsInZ"
          + "lcnNpb24iOjF9fQ==\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"lkvQN15uZw6L3H77vUnIeLus7CcxreGduxxB"
          + "hKK3/axnBxWclQqdp8FoKkUaOlwvXWSuli0VrH4kYUt0fe7wCg==\"}]}";

  static final String ED_PUBLIC =
      """
      -----BEGIN PUBLIC KEY-----
      MCowBQYDK2VwAyEA5lBkcFdnyXpABeDFeaUd7I8GZPcYtBQO5AW+IO961fY=
      -----END PUBLIC KEY-----
      """;

  static final String RSA_ENVELOPE =
      "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG9"
          + "0by5pby9TdGF0ZW1lbnQvdjAuMSIsInByZWRpY2F0ZVR5cGUiOiJodHRwczovL2N5Y2xvbmVkeC5vcmcvYm9tIiw"
          + "ic3ViamVjdCI6W3sibmFtZSI6IjEyNy4wLjAuMTozMjg1NS90ZWFtL2FwcCIsImRpZ2VzdCI6eyJzaGEyNTYiOiI"
          + "yM2Q5ZmE0NTYyYTM5ZGYzOWRhNjgwMDFlN2FkZjhiZmU3MmNiMTI0YWRhNjEyM2JiMmQ5YzZmMTRjMzYxMzZjIn1"
          + "9XSwicHJlZGljYXRlIjp7ImJvbUZvcm1hdCI6IkN5Y2xvbmVEWCIsImNvbXBvbmVudHMiOlt7Im5hbWUiOiJsZWZ"
          + "0LXBhZCIsInR5cGUiOiJsaWJyYXJ5IiwidmVyc2lvbiI6IjEuMy4wIn1dLCJzcGVjVmVyc2lvbiI6IjEuNSIsInZ"
          + "lcnNpb24iOjF9fQ==\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"JQ8or25F9bOQPsVn3s7ibkIFThb+UaoxLEFc"
          + "RqeSgD29L0fZmLjOj1zjxCE3vNVrbmvAQB50iMp6G54zkc1RVzZ4xEQnM1rIladiWzH9KQYgiXk3xdnTCXrHhLnE"
          + "GKhm8NbLiMwWTe4RF6txaaXxM9oAoSWppKWPWWjru4s1eJiKL6DIuNRmOys/zdgw09JGwM5VZWQnaN3v9hqS3UYC"
          + "KRNcTgDm8Lv2244a1rUd81ZqtbLJztBmLSLPIbqs+M7i270EK8lBhtEwff84cGrOxgcS11HgrhOZFhyOzxwPMI4v"
          + "6o2p4uyAhziaIkFNqlbURmTghs2Z7km9qJQzt30icf7Gk9m/ZXmc0guTj+gjDi3/RAdIJjyV7BCaaoHEoFtF3hSV"
          + "czeGQbhoetYkt++nARJXt211iJW31XXAYSgToEVRh8z598ChvOLm4yCKXPqL2dgJ2pwrvVC/gkgh+8oWS3j9CuQu"
          + "MiXNXPupiiKJvzUDnxs2v42x9ocNt4+AYzig\"}]}";

  static final String RSA_PUBLIC =
      """
      -----BEGIN PUBLIC KEY-----
      MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAuhbWzo9cuUA1yvAlvZwC
      ESKDlsm20XsTw6eC4E8xuM+lLkpR5+A+ZrmrQ6Lq7b23oLv8yd5WkeztncwxzLiN
      lOINY16fO7PaZLrS7Zz352XNi27C86r+8EbcYhd5h5NcUbIs8dAtbtwbNFpK2HBa
      P4TU8xZiX0/okpE61aQmqGt0wmbKhvzrl402+oIY9lV2dF8+fRkWboq7Yd/cfvy3
      BEm+nOs/BYY25AV9GaJ11OnKFbtehnBL9pG45sIM+9QH553uado93T/reHVPEr6J
      XdbJvL4ChehSsvnV/OaLHYnBs3yomFQGgMcLJMVDZCFpuGTlc8teB1RLuAOvTMwM
      JdTG6G8Tdnl5uFYaTc8fu3ze48vaxFpkpG2B0Gk5zpmIOJzxyaYWAZdgMsJg5csg
      NXCvdFpCEGE+invp99ibR2vwZ+lqDhYwv0psfcfSQSmJiUFhiPsn9Z1oS9zY5lxp
      VwwSX06RTUehZQjGbhzIWXguvql3U9mYf+0affIGnmn5AgMBAAE=
      -----END PUBLIC KEY-----
      """;

  static final String P521_ENVELOPE =
      "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG9"
          + "0by5pby9TdGF0ZW1lbnQvdjAuMSIsInByZWRpY2F0ZVR5cGUiOiJodHRwczovL2N5Y2xvbmVkeC5vcmcvYm9tIiw"
          + "ic3ViamVjdCI6W3sibmFtZSI6IjEyNy4wLjAuMTozMjg1NS90ZWFtL2FwcCIsImRpZ2VzdCI6eyJzaGEyNTYiOiI"
          + "yM2Q5ZmE0NTYyYTM5ZGYzOWRhNjgwMDFlN2FkZjhiZmU3MmNiMTI0YWRhNjEyM2JiMmQ5YzZmMTRjMzYxMzZjIn1"
          + "9XSwicHJlZGljYXRlIjp7ImJvbUZvcm1hdCI6IkN5Y2xvbmVEWCIsImNvbXBvbmVudHMiOlt7Im5hbWUiOiJsZWZ"
          + "0LXBhZCIsInR5cGUiOiJsaWJyYXJ5IiwidmVyc2lvbiI6IjEuMy4wIn1dLCJzcGVjVmVyc2lvbiI6IjEuNSIsInZ"
          + "lcnNpb24iOjF9fQ==\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"MIGHAkIBPaYeSw/sKlD7E0WfxDkD/CDnJ7xi"
          + "eVAQvxd7RhTanzqURBsO22xZ+NyOGyH1D7sQCwCFPrrnh55FKovQm/DHX4wCQSROoaRIBKYla9k743HxUZuG3YpU"
          + "g9U04dDl1wcmN9cZW4gSJ3RZ0cU64lvszB5+cTGkWPWteej8xY6xMozDrSjv\"}]}";

  static final String P521_PUBLIC =
      """
      -----BEGIN PUBLIC KEY-----
      MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQBmA3QVIOIli+SMgyZGTJrCV1JECy/
      mP4MuaBZVvop37bPOqykqA3YP0IMgedTl7p8Jw6dVQD/NW3EvDPigpay16EBb9j+
      ck5Dkik2LfHVvfzi2VPnfuUuFduh7HXmoGF7q9Xxr8oUs2yh6CRYQNMX620HRdED
      xe2V7WEUrpvISIGkKuo=
      -----END PUBLIC KEY-----
      """;
}
