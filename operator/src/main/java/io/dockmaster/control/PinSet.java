package io.dockmaster.control;

import java.util.List;

/** Blobs an owner (an ImageMirror UID) needs kept: eviction never removes them. */
public record PinSet(List<String> digests) {

  public PinSet {
    digests = digests == null ? List.of() : List.copyOf(digests);
  }
}
