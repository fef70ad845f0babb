package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How an agent reaches the upstream registry. Credentials travel only over the mutually
 * authenticated control channel and live in the agent's memory, so agents need no right to read
 * Secrets.
 *
 * @param dockerConfigJson the ImageMirror's {@code .dockerconfigjson}, or null for anonymous pulls;
 *     passed whole so every credential kind the operator understands (basic, identity and registry
 *     tokens, path-scoped keys) works the same on the agent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpstreamAccess(String registry, boolean insecure, String dockerConfigJson) {

  public static UpstreamAccess anonymous(String registry, boolean insecure) {
    return new UpstreamAccess(registry, insecure, null);
  }

  @JsonIgnore
  public boolean hasCredentials() {
    return dockerConfigJson != null && !dockerConfigJson.isBlank();
  }

  /** Never prints the credentials, so a logged order or exception cannot leak them. */
  @Override
  public String toString() {
    return "UpstreamAccess[registry="
        + registry
        + ", insecure="
        + insecure
        + (hasCredentials() ? ", credentials=<redacted>]" : "]");
  }
}
