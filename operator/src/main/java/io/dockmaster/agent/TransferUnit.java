package io.dockmaster.agent;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.registry.Digest;

/**
 * What one transfer fetches: a whole blob, or one byte-range piece of it. Transfers, their failures
 * and their partial writes go by {@link #key()}: the blob's digest, or the piece's key.
 *
 * @param piece null for a whole blob
 * @param size bytes the transfer writes: the blob's or the piece's
 */
record TransferUnit(Digest key, Digest blob, BlobPiece piece, long size) {

  static TransferUnit of(TransferOrder order) {
    Digest blob = Digest.parse(order.digest());
    BlobPiece piece = order.piece();
    return piece == null
        ? new TransferUnit(blob, blob, null, order.size())
        : new TransferUnit(piece.key(), blob, piece, piece.length());
  }

  boolean isPiece() {
    return piece != null;
  }

  /** How logs name it: the blob's short digest, and the piece's range. */
  String label() {
    return piece == null ? blob.shortForm() : piece.shortName();
  }
}
