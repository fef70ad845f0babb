package io.dockmaster.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials from a {@code .dockerconfigjson} ({@code {"auths":{host:{...}}}}) or legacy {@code
 * .dockercfg} (hosts at the top level), as found in {@code kubernetes.io/dockerconfigjson} Secrets.
 *
 * <p>Keys are matched like kubelet does: the scheme and a trailing {@code /v1/} are ignored, Docker
 * Hub's aliases are one host, {@code *} matches one host label, and a key with a path ({@code
 * host/team}) only covers repositories under that path. The most specific key wins.
 */
public final class DockerConfig implements CredentialsProvider {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Entry> entries;

  private DockerConfig(List<Entry> entries) {
    this.entries =
        entries.stream()
            .sorted(
                Comparator.comparingInt((Entry e) -> -e.path.length())
                    .thenComparing(e -> e.host.contains("*")))
            .toList();
  }

  public static DockerConfig empty() {
    return new DockerConfig(List.of());
  }

  /**
   * Parses the JSON of a dockerconfigjson or dockercfg.
   *
   * @throws IllegalArgumentException saying what is malformed, never quoting secrets
   */
  public static DockerConfig parse(byte[] json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "docker config is not valid JSON (line " + e.getLocation().getLineNr() + ")");
    } catch (IOException e) {
      throw new IllegalArgumentException("docker config could not be read");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("docker config must be a JSON object");
    }
    JsonNode hosts = root.has("auths") ? root.get("auths") : root;
    if (!hosts.isObject()) {
      throw new IllegalArgumentException("docker config \"auths\" must be a JSON object");
    }
    List<Entry> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = hosts.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getValue().isObject()) {
        credentialsOf(field.getKey(), field.getValue())
            .ifPresent(c -> entries.add(Entry.of(field.getKey(), c)));
      }
    }
    return new DockerConfig(entries);
  }

  public static DockerConfig parse(String json) {
    return parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public Optional<RegistryCredentials> credentialsFor(ImageReference repository) {
    String host = repository.registry();
    for (Entry entry : entries) {
      if (entry.matches(host, repository.repository())) {
        return Optional.of(entry.credentials);
      }
    }
    return Optional.empty();
  }

  @Override
  public Optional<RegistryCredentials> credentialsForRegistry(String registry) {
    String host = ImageReference.normalizeRegistry(registry);
    for (Entry entry : entries) {
      if (entry.path.isEmpty() && entry.hostMatches(host)) {
        return Optional.of(entry.credentials);
      }
    }
    return Optional.empty();
  }

  /** How many hosts carry credentials. */
  public int size() {
    return entries.size();
  }

  @Override
  public String toString() {
    return "DockerConfig{keys="
        + entries.stream().map(e -> e.host + (e.path.isEmpty() ? "" : "/" + e.path)).toList()
        + "}";
  }

  private static Optional<RegistryCredentials> credentialsOf(String key, JsonNode node) {
    String username = text(node, "username");
    String password = text(node, "password");
    String auth = text(node, "auth");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "docker config entry for " + key + " has an \"auth\" that is not valid base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "docker config entry for " + key + " has an \"auth\" that is not user:password");
      }
      username = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    RegistryCredentials credentials =
        RegistryCredentials.of(
            username, password, text(node, "identitytoken"), text(node, "registrytoken"));
    return credentials.isEmpty() ? Optional.empty() : Optional.of(credentials);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? "" : value.asText();
  }

  private record Entry(String host, String path, RegistryCredentials credentials) {

    static Entry of(String key, RegistryCredentials credentials) {
      String rest = key.trim();
      int scheme = rest.indexOf("://");
      if (scheme >= 0) {
        rest = rest.substring(scheme + 3);
      }
      while (rest.endsWith("/")) {
        rest = rest.substring(0, rest.length() - 1);
      }
      int slash = rest.indexOf('/');
      String host = slash < 0 ? rest : rest.substring(0, slash);
      String path = slash < 0 ? "" : rest.substring(slash + 1);
      // docker login stores Docker Hub as https://index.docker.io/v1/; the path is API noise.
      if (path.equals("v1") || path.equals("v2")) {
        path = "";
      }
      return new Entry(ImageReference.normalizeRegistry(host), path, credentials);
    }

    boolean matches(String targetHost, String repository) {
      if (!hostMatches(targetHost)) {
        return false;
      }
      return path.isEmpty() || repository.equals(path) || repository.startsWith(path + "/");
    }

    private boolean hostMatches(String targetHost) {
      if (!host.contains("*")) {
        return host.equals(targetHost);
      }
      String[] globAndPort = splitPort(host);
      String[] targetAndPort = splitPort(targetHost);
      if (!globAndPort[1].equals(targetAndPort[1])) {
        return false;
      }
      String[] globLabels = globAndPort[0].split("\\.");
      String[] labels = targetAndPort[0].split("\\.");
      if (globLabels.length != labels.length) {
        return false;
      }
      for (int i = 0; i < labels.length; i++) {
        if (!labelMatches(globLabels[i], labels[i])) {
          return false;
        }
      }
      return true;
    }

    private static boolean labelMatches(String glob, String label) {
      String regex = ("\\Q" + glob.replace("*", "\\E[^.]*\\Q") + "\\E").replace("\\Q\\E", "");
      return label.toLowerCase(Locale.ROOT).matches(regex);
    }

    private static String[] splitPort(String host) {
      int colon = host.lastIndexOf(':');
      if (colon < 0 || host.endsWith("]")) {
        return new String[] {host, ""};
      }
      return new String[] {host.substring(0, colon), host.substring(colon + 1)};
    }
  }
}
