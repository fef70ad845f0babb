package io.dockmaster.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A docker token server for distribution's {@code auth: token}: issues RS256 JWTs whose x5c header
 * carries a self-signed certificate (made by {@code openssl}) that the registry trusts as its
 * rootcertbundle. One user with a password, and one identity (refresh) token; anonymous requests
 * get a token without access, as Docker Hub does for private repositories.
 */
public final class TokenServer implements AutoCloseable {

  public static final String SERVICE = "dockmaster-test-registry";
  public static final String ISSUER = "dockmaster-test-issuer";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One token request as the server saw it. */
  public record Request(String method, String user, List<String> scopes, String service) {}

  private final HttpServer server;
  private final Path certificate;
  private final PrivateKey key;
  private final String certificateDer;
  private final String user;
  private final String password;
  private final String refreshToken;
  private final Duration lifetime;
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private TokenServer(
      Path dir, String user, String password, String refreshToken, Duration lifetime)
      throws Exception {
    this.user = user;
    this.password = password;
    this.refreshToken = refreshToken;
    this.lifetime = lifetime;
    this.certificate = dir.resolve("token-cert.pem");
    Path keyFile = dir.resolve("token-key.pem");
    TestImages.exec(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            keyFile.toString(),
            "-out",
            certificate.toString(),
            "-days",
            "2",
            "-subj",
            "/CN=" + ISSUER),
        Duration.ofSeconds(60));
    X509Certificate cert;
    try (var in = Files.newInputStream(certificate)) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    this.certificateDer = Base64.getEncoder().encodeToString(cert.getEncoded());
    this.key = readPkcs8(keyFile);
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/token", this::handle);
    server.start();
  }

  /**
   * Starts a token server keeping its key material in {@code dir}.
   *
   * @param lifetime what {@code expires_in} says
   */
  public static TokenServer start(
      Path dir, String user, String password, String refreshToken, Duration lifetime) {
    try {
      return new TokenServer(dir, user, password, refreshToken, lifetime);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("token server did not start", e);
    }
  }

  /**
   * Named {@code localhost} rather than an IP: crane (go-containerregistry) refuses realms on
   * private or loopback IP literals.
   */
  public String realm() {
    return "http://localhost:" + server.getAddress().getPort() + "/token";
  }

  /** The certificate the registry must trust (its {@code rootcertbundle}). */
  public Path certificate() {
    return certificate;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, List<String>> params = parseQuery(exchange.getRequestURI().getRawQuery());
      if (exchange.getRequestMethod().equals("POST")) {
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        params.putAll(parseQuery(form));
      }
      String subject = authenticate(exchange, params);
      List<String> scopes = params.getOrDefault("scope", List.of());
      requests.add(
          new Request(
              exchange.getRequestMethod(),
              subject,
              scopes,
              params.getOrDefault("service", List.of("")).get(0)));
      if (subject == null) {
        respond(exchange, 401, Map.of("errors", List.of(Map.of("code", "UNAUTHORIZED"))));
        return;
      }
      String token = jwt(subject, subject.isEmpty() ? List.of() : scopes);
      Map<String, Object> body = new LinkedHashMap<>();
      // The password flow answers like docker's spec, the refresh flow like OAuth2.
      body.put(exchange.getRequestMethod().equals("POST") ? "access_token" : "token", token);
      body.put("expires_in", lifetime.toSeconds());
      body.put("issued_at", Instant.now().toString());
      respond(exchange, 200, body);
    } catch (Exception e) {
      exchange.sendResponseHeaders(500, -1);
    }
  }

  /** The subject: "" for anonymous, null for bad credentials. */
  private String authenticate(HttpExchange exchange, Map<String, List<String>> params) {
    List<String> grant = params.getOrDefault("grant_type", List.of());
    if (grant.contains("refresh_token")) {
      return refreshToken.equals(params.getOrDefault("refresh_token", List.of("")).get(0))
          ? user
          : null;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null) {
      return "";
    }
    if (!header.startsWith("Basic ")) {
      return null;
    }
    String pair =
        new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
    return pair.equals(user + ":" + password) ? user : null;
  }

  private String jwt(String subject, List<String> scopes) throws Exception {
    List<Map<String, Object>> access = new ArrayList<>();
    for (String scope : scopes) {
      for (String single : scope.split(" ")) {
        String[] parts = single.split(":");
        if (parts.length == 3) {
          access.add(
              Map.of("type", parts[0], "name", parts[1], "actions", List.of(parts[2].split(","))));
        }
      }
    }
    long now = Instant.now().getEpochSecond();
    Map<String, Object> header =
        Map.of("typ", "JWT", "alg", "RS256", "x5c", List.of(certificateDer));
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", ISSUER);
    claims.put("sub", subject);
    claims.put("aud", SERVICE);
    claims.put("exp", now + lifetime.toSeconds());
    claims.put("nbf", now - 10);
    claims.put("iat", now);
    claims.put("jti", UUID.randomUUID().toString());
    claims.put("access", access);
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        base64.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + base64.encodeToString(JSON.writeValueAsBytes(claims));
    Signature signature = Signature.getInstance("SHA256withRSA");
    signature.initSign(key);
    signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + base64.encodeToString(signature.sign());
  }

  private static void respond(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static Map<String, List<String>> parseQuery(String query) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return params;
  }

  private static PrivateKey readPkcs8(Path pem) throws Exception {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    if (!text.contains("BEGIN PRIVATE KEY")) {
      throw new IllegalStateException("expected a PKCS#8 key from openssl in " + pem);
    }
    String base64 = text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("RSA")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }
}
