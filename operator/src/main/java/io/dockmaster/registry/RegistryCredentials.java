package io.dockmaster.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Credentials for one registry: a username and password, an identity token (an OAuth2 refresh token
 * that {@code docker login} stores for some registries), or a registry token sent as-is. {@link
 * #toString()} never reveals a secret.
 */
public final class RegistryCredentials {

  private final String username;
  private final String password;
  private final String identityToken;
  private final String registryToken;

  private RegistryCredentials(
      String username, String password, String identityToken, String registryToken) {
    this.username = username == null ? "" : username;
    this.password = password == null ? "" : password;
    this.identityToken = identityToken == null ? "" : identityToken;
    this.registryToken = registryToken == null ? "" : registryToken;
  }

  public static RegistryCredentials basic(String username, String password) {
    return new RegistryCredentials(
        Objects.requireNonNull(username, "username"),
        Objects.requireNonNull(password, "password"),
        null,
        null);
  }

  /** An identity token, exchanged at the token realm as an OAuth2 refresh token. */
  public static RegistryCredentials identityToken(String username, String identityToken) {
    return new RegistryCredentials(
        username, null, Objects.requireNonNull(identityToken, "identityToken"), null);
  }

  /** A bearer token sent to the registry directly, without a token exchange. */
  public static RegistryCredentials registryToken(String token) {
    return new RegistryCredentials(null, null, null, Objects.requireNonNull(token, "token"));
  }

  static RegistryCredentials of(
      String username, String password, String identityToken, String registryToken) {
    return new RegistryCredentials(username, password, identityToken, registryToken);
  }

  public String username() {
    return username;
  }

  /** The {@code Authorization} header value for Basic auth, if there is a username. */
  Optional<String> basicAuthorization() {
    if (username.isEmpty() || password.isEmpty()) {
      return Optional.empty();
    }
    String pair = username + ":" + password;
    return Optional.of(
        "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
  }

  Optional<String> identityTokenValue() {
    return identityToken.isEmpty() ? Optional.empty() : Optional.of(identityToken);
  }

  Optional<String> registryTokenValue() {
    return registryToken.isEmpty() ? Optional.empty() : Optional.of(registryToken);
  }

  boolean isEmpty() {
    return basicAuthorization().isEmpty()
        && identityTokenValue().isEmpty()
        && registryTokenValue().isEmpty();
  }

  @Override
  public String toString() {
    String kind =
        !registryToken.isEmpty()
            ? "registry token"
            : !identityToken.isEmpty() ? "identity token" : "password";
    return "RegistryCredentials{username=" + username + ", " + kind + "=<redacted>}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RegistryCredentials other
        && username.equals(other.username)
        && password.equals(other.password)
        && identityToken.equals(other.identityToken)
        && registryToken.equals(other.registryToken);
  }

  @Override
  public int hashCode() {
    return Objects.hash(username, password, identityToken, registryToken);
  }
}
