package io.dockmaster.cache;

import io.dockmaster.control.BlobRange;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A blob filled in pieces, out of order, into one partial file: several sources each write their
 * byte range, readers stream a piece while it arrives, and the blob becomes complete only once its
 * ranges cover it and the whole file hashes to its digest (SHA-256 does not combine piece hashes,
 * and OCI gives a range no digest of its own).
 *
 * <p>Readers of the whole blob (the node's containerd) get the bytes written from the start onward,
 * as pieces complete there, and its end only once it is verified.
 *
 * <p>Guarded by the cache's lock, except the final hash, which only the write that made the blob
 * whole runs.
 */
final class PieceAssembly {

  /** The whole blob; its progress is the written prefix. */
  final CachedBlob blob;

  /** The partial file, shared by the pieces' writes, which write at their own positions. */
  final FileChannel channel;

  /** By key: the pieces being written, and those written while the blob is not whole yet. */
  final Map<Digest, CachedBlob> pieces = new HashMap<>();

  /** Written ranges, merged: first byte → the byte after the last. */
  private final TreeMap<Long, Long> written = new TreeMap<>();

  private boolean finishing;

  PieceAssembly(CachedBlob blob, FileChannel channel) {
    this.blob = blob;
    this.channel = channel;
  }

  /** Records the range as written; returns the bytes written from the start without a gap. */
  long markWritten(long start, long end) {
    Map.Entry<Long, Long> before = written.floorEntry(start);
    if (before != null && before.getValue() >= start) {
      start = before.getKey();
      end = Math.max(end, before.getValue());
    }
    Map.Entry<Long, Long> after;
    while ((after = written.ceilingEntry(start)) != null && after.getKey() <= end) {
      end = Math.max(end, after.getValue());
      written.remove(after.getKey());
    }
    written.put(start, end);
    return prefix();
  }

  long prefix() {
    Long end = written.get(0L);
    return end == null ? 0 : end;
  }

  /** Nothing written and nothing being written: the partial file serves no one. */
  boolean isIdle() {
    return written.isEmpty() && pieces.isEmpty();
  }

  /**
   * True once, for the caller that should verify and publish the blob: its ranges cover it and no
   * one else took that on.
   */
  boolean startFinishing() {
    if (finishing || prefix() < blob.size) {
      return false;
    }
    finishing = true;
    return true;
  }

  /** The digest of the partial file's content, read from the start. */
  Digest hashContent() throws IOException {
    return ContentDigest.of(channel, blob.size, blob.digest);
  }

  /** The ranges of the pieces, by offset. */
  List<BlobRange> pieceRanges() {
    return pieces.values().stream()
        .map(piece -> new BlobRange(piece.fileOffset, piece.size))
        .sorted(Comparator.comparingLong(BlobRange::offset))
        .toList();
  }

  /** The pieces, written or being written, for failing them all at once. */
  List<CachedBlob> allPieces() {
    return new ArrayList<>(pieces.values());
  }
}
