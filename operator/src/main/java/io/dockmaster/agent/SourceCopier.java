package io.dockmaster.agent;

import io.dockmaster.agent.TransferFailure.Reason;
import io.dockmaster.agent.TransferLedger.Entry;
import io.dockmaster.cache.BlobWrite;
import io.dockmaster.control.TransferOrder;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;

/**
 * One source's bytes into a transfer's cache write: held to the pace of the peers relaying the blob
 * from this node, through the download cap, checked against the size of the blob or piece, and
 * counted as progress for the stall watchdog and the metrics.
 */
final class SourceCopier {

  private static final int CHUNK_BYTES = 64 * 1024;

  private final RelayPacing relays;
  private final MirrorBandwidth bandwidth;
  private final AgentMetrics metrics;

  SourceCopier(RelayPacing relays, MirrorBandwidth bandwidth, AgentMetrics metrics) {
    this.relays = relays;
    this.bandwidth = bandwidth;
    this.metrics = metrics;
  }

  /**
   * Streams the source into the cache write, first dropping {@code alreadyHeld} bytes the source
   * sent again (one that does not take ranges), through the download cap and under the stall
   * watchdog like the rest.
   */
  void copy(
      SourceStream stream,
      long alreadyHeld,
      PartialBlob partial,
      Entry entry,
      TransferOrder order,
      TransferUnit unit)
      throws IOException, TransferFailure {
    BlobWrite write = partial.write;
    long size = unit.size();
    boolean upstream = order.source().fromUpstream();
    String source = order.source().label();
    String owner = order.pinOwner();
    // Direct, so neither the file channel nor the native SHA-256 copies it into a buffer of its
    // own.
    ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_BYTES);
    long toDrop = alreadyHeld;
    long total = write.written();
    int n;
    while (true) {
      entry.holding();
      try {
        relays.await(write, source);
      } finally {
        entry.released();
      }
      if ((n = stream.fill(buffer)) == -1) {
        break;
      }
      waitForBandwidth(owner, n);
      if (toDrop > 0) {
        int dropped = (int) Math.min(n, toDrop);
        toDrop -= dropped;
        entry.touched();
        metrics.received(upstream, dropped);
        if (dropped == n) {
          continue;
        }
        buffer.position(dropped);
        n -= dropped;
      }
      boolean pieceEnds = unit.isPiece() && total + n >= size;
      if (total + n > size && unit.isPiece()) {
        // A source that ignored the range sends on past the piece: take the piece, close the rest.
        n = (int) (size - total);
        buffer.limit(buffer.position() + n);
      } else if (total + n > size) {
        throw new TransferFailure(
            Reason.SizeMismatch, source + " sent more than the blob's " + size + " bytes");
      }
      stream.write(write, buffer);
      partial.contributed(source);
      total += n;
      entry.advanced(n);
      metrics.received(upstream, n);
      if (pieceEnds) {
        break;
      }
    }
    if (toDrop > 0) {
      throw new TransferFailure(
          Reason.SizeMismatch,
          source
              + " sent the whole blob again and ended after "
              + (alreadyHeld - toDrop)
              + " bytes, before byte "
              + alreadyHeld);
    }
    if (total != size) {
      throw new TransferFailure(
          Reason.SizeMismatch, source + " ended after " + total + " of " + size + " bytes");
    }
  }

  private void waitForBandwidth(String owner, int bytes) throws IOException {
    try {
      bandwidth.acquireDownload(owner, bytes);
    } catch (InterruptedException e) {
      throw new InterruptedIOException("interrupted while waiting for bandwidth");
    }
  }
}
