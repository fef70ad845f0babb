package io.dockmaster.control;

import java.util.List;

/**
 * Blobs an owner (an ImageMirror UID) needs kept: eviction never removes them. The owner's per-node
 * bandwidth caps (spec.distribution) come along, since they apply to the same blobs.
 *
 * @param uploadBytesPerSecond cap on sending these blobs to peers, 0 for none
 * @param downloadBytesPerSecond cap on receiving the owner's transfers, 0 for none
 */
public record PinSet(List<String> digests, long uploadBytesPerSecond, long downloadBytesPerSecond) {

  public PinSet {
    digests = digests == null ? List.of() : List.copyOf(digests);
    if (uploadBytesPerSecond < 0 || downloadBytesPerSecond < 0) {
      throw new IllegalArgumentException("bandwidth caps must not be negative");
    }
  }
}
