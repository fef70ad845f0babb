package io.dockmaster.control;

import java.util.List;

/**
 * Asks an agent to re-hash its complete copies of these blobs and drop any that no longer match:
 * sent when a peer received bytes from it that did not hash to the digest.
 */
public record BlobVerifications(List<String> digests) {

  public BlobVerifications {
    digests = digests == null ? List.of() : List.copyOf(digests);
  }
}
