package io.dockmaster.agent;

import io.dockmaster.agent.TransferFailure.Reason;
import io.dockmaster.cache.BlobWrite;
import java.util.ArrayList;
import java.util.List;

/** A blob's write into the cache, and every source that sent bytes of it so far. */
final class PartialBlob {

  /** The failure's source when the bytes of a blob that did not verify came from several. */
  static final String MIXED_SOURCES = "several sources";

  final BlobWrite write;
  private final boolean piece;
  private final List<String> sources = new ArrayList<>();

  /**
   * @param piece the write is of one piece of a blob, whose other pieces came from other sources
   */
  PartialBlob(BlobWrite write, boolean piece) {
    this.write = write;
    this.piece = piece;
  }

  /** The source wrote bytes; one that failed before sending any is no suspect. */
  void contributed(String source) {
    if (!sources.contains(source)) {
      sources.add(source);
    }
  }

  List<String> sources() {
    return List.copyOf(sources);
  }

  /**
   * Whom a failure names: for bytes that do not match the digest, the one source that sent them
   * (not necessarily {@code orderSource}, which may have had nothing left to send), or nobody when
   * several did, since which one lied is unknown. For a piece, whose blob is checked only whole,
   * the sources are those of every piece of the blob.
   */
  String blamed(TransferFailure failure, String orderSource) {
    List<String> senders = piece ? failure.pieceSources() : sources;
    if (failure.reason() != Reason.DigestMismatch || (sources.isEmpty() && senders.isEmpty())) {
      return orderSource;
    }
    return senders.size() == 1 ? senders.get(0) : MIXED_SOURCES;
  }
}
