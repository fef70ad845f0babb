package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How an agent reaches the upstream registry. Credentials travel only over the mutually
 * authenticated control channel and live in the agent's memory, so agents need no right to read
 * Secrets.
 *
 * @param insecure plain HTTP and unverified TLS are allowed
 * @param plainHttp the operator speaks plain HTTP to the registry, insecure: configured so, or the
 *     registry failed a TLS handshake and then answered over plain HTTP; so agents go to it over
 *     plain HTTP at once instead of each trying TLS first (a failed handshake per agent that cost
 *     seeds up to a second before their first byte); agents ignore it unless {@code insecure};
 *     absent from older operators' orders, so false
 * @param dockerConfigJson the ImageMirror's {@code .dockerconfigjson}, or null for anonymous pulls;
 *     passed whole so every credential kind the operator understands (basic, identity and registry
 *     tokens, path-scoped keys) works the same on the agent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpstreamAccess(
    String registry, boolean insecure, boolean plainHttp, String dockerConfigJson) {

  public UpstreamAccess(String registry, boolean insecure, String dockerConfigJson) {
    this(registry, insecure, false, dockerConfigJson);
  }

  public static UpstreamAccess anonymous(String registry, boolean insecure) {
    return new UpstreamAccess(registry, insecure, null);
  }

  /** The same access, saying whether the insecure registry was found to speak plain HTTP. */
  public UpstreamAccess withPlainHttp(boolean speaksPlainHttp) {
    return new UpstreamAccess(registry, insecure, insecure && speaksPlainHttp, dockerConfigJson);
  }

  /** Plain HTTP from the first request: allowed, and the operator found the registry speaks it. */
  @JsonIgnore
  public boolean plainHttpOnly() {
    return insecure && plainHttp;
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
        + (plainHttp ? ", plainHttp=true" : "")
        + (hasCredentials() ? ", credentials=<redacted>]" : "]");
  }
}
