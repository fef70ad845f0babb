package io.dockmaster.webhooktls;

import io.dockmaster.pki.Pem;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the webhook Secret holds: the CA that signs, the next CA while one is being rolled in, the
 * certificates clients must trust, and the serving certificate.
 *
 * <p>Secret keys: {@value #TLS_CRT} and {@value #TLS_KEY} (the serving pair, as in a {@code
 * kubernetes.io/tls} Secret), {@value #CA_CRT} (the trust bundle, published as caBundle), {@value
 * #AUTHORITY_CRT} and {@value #AUTHORITY_KEY} (the signing CA), and {@value #NEXT_AUTHORITY_CRT}
 * and {@value #NEXT_AUTHORITY_KEY} during a CA rollover, with {@value #NEXT_AUTHORITY_PUBLISHED}
 * once the next CA has been seen in the published caBundle.
 *
 * @param trusted every CA clients must trust: includes the authority and the next one
 * @param nextPublished when the next CA was first seen in the published caBundle; kept in the
 *     Secret so every replica counts the propagation time from the same moment
 */
public record TlsState(
    List<X509Certificate> trusted,
    KeyedCertificate authority,
    Optional<KeyedCertificate> next,
    Optional<Instant> nextPublished,
    KeyedCertificate serving) {

  public static final String TLS_CRT = "tls.crt";
  public static final String TLS_KEY = "tls.key";
  public static final String CA_CRT = "ca.crt";
  static final String AUTHORITY_CRT = "authority.crt";
  static final String AUTHORITY_KEY = "authority.key";
  static final String NEXT_AUTHORITY_CRT = "next-authority.crt";
  static final String NEXT_AUTHORITY_KEY = "next-authority.key";
  static final String NEXT_AUTHORITY_PUBLISHED = "next-authority.published";

  public TlsState {
    List<X509Certificate> all = new ArrayList<>(trusted);
    addIfMissing(all, authority.certificate());
    next.ifPresent(n -> addIfMissing(all, n.certificate()));
    trusted = List.copyOf(all);
    nextPublished = next.isPresent() ? nextPublished : Optional.empty();
  }

  /** A state whose next CA, if any, has not been seen published yet. */
  public TlsState(
      List<X509Certificate> trusted,
      KeyedCertificate authority,
      Optional<KeyedCertificate> next,
      KeyedCertificate serving) {
    this(trusted, authority, next, Optional.empty(), serving);
  }

  /** The caBundle to publish. */
  public String trustBundlePem() {
    return Pem.certificates(trusted);
  }

  public String servingChainPem() {
    return Pem.certificate(serving.certificate());
  }

  public String servingKeyPem() {
    return Pem.privateKey(serving.key());
  }

  /** Without the CAs that have expired (the authority and next are kept regardless). */
  TlsState pruned(Instant now) {
    List<X509Certificate> kept =
        trusted.stream().filter(c -> !Lifetime.of(c).expiredAt(now)).toList();
    return new TlsState(kept, authority, next, nextPublished, serving);
  }

  /** The Secret's data, as PEM text per key. */
  public Map<String, String> toData() {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(TLS_CRT, servingChainPem());
    data.put(TLS_KEY, servingKeyPem());
    data.put(CA_CRT, trustBundlePem());
    data.put(AUTHORITY_CRT, Pem.certificate(authority.certificate()));
    data.put(AUTHORITY_KEY, Pem.privateKey(authority.key()));
    next.ifPresent(
        n -> {
          data.put(NEXT_AUTHORITY_CRT, Pem.certificate(n.certificate()));
          data.put(NEXT_AUTHORITY_KEY, Pem.privateKey(n.key()));
        });
    nextPublished.ifPresent(at -> data.put(NEXT_AUTHORITY_PUBLISHED, at.toString()));
    return data;
  }

  /**
   * Reads the Secret's data (PEM text per key). Empty when the Secret holds no authority yet (as
   * the chart creates it).
   *
   * @throws IllegalArgumentException naming the key that does not parse
   */
  public static Optional<TlsState> fromData(Map<String, String> data) {
    String authorityCrt = data.getOrDefault(AUTHORITY_CRT, "");
    if (authorityCrt.isBlank()) {
      return Optional.empty();
    }
    KeyedCertificate authority = keyed(data, AUTHORITY_CRT, AUTHORITY_KEY);
    Optional<KeyedCertificate> next =
        data.getOrDefault(NEXT_AUTHORITY_CRT, "").isBlank()
            ? Optional.empty()
            : Optional.of(keyed(data, NEXT_AUTHORITY_CRT, NEXT_AUTHORITY_KEY));
    KeyedCertificate serving = keyed(data, TLS_CRT, TLS_KEY);
    List<X509Certificate> trusted =
        Pem.readCertificates(data.getOrDefault(CA_CRT, ""), "key " + CA_CRT);
    return Optional.of(new TlsState(trusted, authority, next, instant(data), serving));
  }

  private static Optional<Instant> instant(Map<String, String> data) {
    String text = data.getOrDefault(NEXT_AUTHORITY_PUBLISHED, "").trim();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(text));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "key "
              + NEXT_AUTHORITY_PUBLISHED
              + " holds '"
              + text
              + "', not an ISO-8601 instant such as 2026-01-01T00:00:00Z; delete the key and the"
              + " operator records the publication again",
          e);
    }
  }

  private static KeyedCertificate keyed(Map<String, String> data, String crtKey, String keyKey) {
    return new KeyedCertificate(
        Pem.readChain(data.getOrDefault(crtKey, ""), "key " + crtKey).get(0),
        Pem.readPrivateKey(data.getOrDefault(keyKey, ""), "key " + keyKey));
  }

  private static void addIfMissing(List<X509Certificate> certificates, X509Certificate candidate) {
    if (!certificates.contains(candidate)) {
      certificates.add(candidate);
    }
  }

  @Override
  public String toString() {
    return "TlsState[authority "
        + authority
        + next.map(n -> ", next " + n).orElse("")
        + nextPublished.map(at -> " published " + at).orElse("")
        + ", serving "
        + serving
        + ", "
        + trusted.size()
        + " trusted]";
  }
}
