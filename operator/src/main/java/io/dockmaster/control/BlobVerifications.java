package io.dockmaster.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Asks an agent to re-hash its complete copies of these blobs and drop any that no longer match:
 * sent when a peer received bytes from it that did not hash to the digest.
 *
 * @param ranges by digest, ranges of an intact copy to hash as well: the pieces it sent of a blob
 *     whose pieces, from several peers, did not add up, so that the operator can tell which of them
 *     sent bytes its copy does not hold; empty when none
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record BlobVerifications(List<String> digests, Map<String, List<BlobRange>> ranges) {

  public BlobVerifications {
    digests = digests == null ? List.of() : List.copyOf(digests);
    ranges = ranges == null ? Map.of() : Map.copyOf(ranges);
  }

  /** Asks for no ranges. */
  public BlobVerifications(List<String> digests) {
    this(digests, Map.of());
  }

  /** The ranges to hash of this blob's copy. */
  public List<BlobRange> rangesOf(String digest) {
    return ranges.getOrDefault(digest, List.of());
  }
}
