package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.Objects;

/**
 * One blob (image layer, config or manifest) every selected node should hold.
 *
 * @param digest what identifies the content
 * @param size bytes; weighs how much uploading the blob costs a node
 */
public record Blob(Digest digest, long size) {

  public Blob {
    Objects.requireNonNull(digest, "blob digest");
    if (size < 0) {
      throw new IllegalArgumentException(
          "blob size must not be negative: " + digest + " has size " + size);
    }
  }
}
