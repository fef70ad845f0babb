package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.PolicyMode;
import java.util.Optional;

/**
 * One reason one image of one container breaks one policy, with everything the person running
 * {@code kubectl apply} needs to fix it.
 *
 * @param field JSON path of the offending container or volume, e.g. {@code
 *     spec.template.spec.initContainers[0]}
 * @param container the container or volume name
 * @param image the image as normalized, e.g. {@code docker.io/library/nginx:1.27}
 * @param digest the digest it resolved to, when resolution got that far
 * @param problem what is wrong, one clause, no trailing period
 * @param fix what to do about it, one clause
 */
public record Violation(
    String policy,
    PolicyMode mode,
    String field,
    String container,
    String image,
    Optional<String> digest,
    ViolationReason reason,
    String problem,
    String fix) {

  /**
   * The one-line form admission returns: {@code ImagePolicy "prod": spec.containers[1] "sidecar"
   * image registry.example.com/prod/sidecar:1.2 (sha256:ab12...): NOT_SIGNED: no signature by
   * authority "release"; sign it with cosign using the release key}.
   */
  public String message() {
    return "ImagePolicy \""
        + policy
        + "\": "
        + field
        + " \""
        + container
        + "\" image "
        + image
        + digest.map(d -> " (" + abbreviate(d) + ")").orElse("")
        + ": "
        + reason
        + ": "
        + problem
        + "; "
        + fix;
  }

  /** ASCII, because warnings travel in HTTP headers that some clients read as Latin-1. */
  private static String abbreviate(String digest) {
    int colon = digest.indexOf(':');
    return colon >= 0 && digest.length() > colon + 13
        ? digest.substring(0, colon + 13) + "..."
        : digest;
  }
}
