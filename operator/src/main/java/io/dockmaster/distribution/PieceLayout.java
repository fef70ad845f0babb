package io.dockmaster.distribution;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which blobs move as byte-range pieces, and which pieces. The multi-tree plan gives each blob a
 * tree whose fanout follows the blob's share of the image, and a tree cannot forward to fewer than
 * two children per node without becoming a chain: a layer larger than the others moves at half a
 * link's rate or worse. Cut into pieces about the size of the image's typical layer, it takes as
 * many trees with different roots as it has pieces, and in the fluid model of {@code make
 * bench-planner} an image of one 400 MiB and four 25 MiB layers on 20 nodes goes from 2.17 times
 * the lower bound to 1.00.
 *
 * <p>The typical layer is the median of the image's significant blobs (at least 1 MiB and 1% of the
 * image), at most half the image, so an image of one large layer is still cut (in two: one 500 MiB
 * layer on 20 nodes goes from 2.00 times the bound to 1.00) while one of two equal layers is not,
 * and at least {@link #MIN_PIECE_BYTES}: every piece costs every node a transfer (a request, a
 * stream, an order and a line of inventory). A blob is cut when it is at least 1.5 times that size,
 * into pieces of equal length (a byte apart at most), none shorter than the minimum and never more
 * than {@link #MAX_PIECES_PER_BLOB}.
 *
 * <p>Pure and deterministic: the same blobs give the same pieces, so every round of a run, and an
 * operator that took over, plans the pieces agents already have.
 */
public final class PieceLayout {

  public static final long MIN_PIECE_BYTES = 16L * 1024 * 1024;
  public static final int MAX_PIECES_PER_BLOB = 64;
  private static final long SIGNIFICANT_BYTES = 1024 * 1024;
  private static final int MIN_UNITS = 2;

  private final Map<Digest, List<BlobPiece>> piecesByBlob;
  private final Map<Digest, BlobPiece> pieceByKey;

  private PieceLayout(Map<Digest, List<BlobPiece>> piecesByBlob) {
    this.piecesByBlob = piecesByBlob;
    this.pieceByKey = new HashMap<>();
    piecesByBlob.values().forEach(pieces -> pieces.forEach(p -> pieceByKey.put(p.key(), p)));
  }

  /** No blob in pieces. */
  public static PieceLayout none() {
    return new PieceLayout(Map.of());
  }

  /** The layout for an image (or several) made of {@code blobs}, each counted once. */
  public static PieceLayout of(Collection<Blob> blobs) {
    long pieceBytes = typicalBlobBytes(blobs);
    Map<Digest, List<BlobPiece>> pieces = new LinkedHashMap<>();
    for (Blob blob : blobs) {
      int count = pieceCount(blob.size(), pieceBytes);
      if (count > 1 && blob.size() * 2 >= pieceBytes * 3) {
        pieces.putIfAbsent(blob.digest(), cut(blob, count));
      }
    }
    return new PieceLayout(pieces);
  }

  /** The piece size blobs are cut to; 0 when nothing is worth cutting. */
  public static long typicalBlobBytes(Collection<Blob> blobs) {
    long image = blobs.stream().mapToLong(Blob::size).sum();
    List<Long> significant = new ArrayList<>();
    for (Blob blob : blobs) {
      if (blob.size() >= SIGNIFICANT_BYTES && blob.size() * 100 >= image) {
        significant.add(blob.size());
      }
    }
    if (significant.isEmpty()) {
      return 0;
    }
    Collections.sort(significant);
    long median = significant.get((significant.size() - 1) / 2);
    return Math.max(MIN_PIECE_BYTES, Math.min(median, image / MIN_UNITS));
  }

  /** About size ÷ pieceBytes, none shorter than the minimum, at most the maximum. */
  private static int pieceCount(long size, long pieceBytes) {
    if (pieceBytes == 0) {
      return 1;
    }
    long count = Math.round((double) size / pieceBytes);
    return (int) Math.min(MAX_PIECES_PER_BLOB, Math.min(count, size / MIN_PIECE_BYTES));
  }

  private static List<BlobPiece> cut(Blob blob, int count) {
    long base = blob.size() / count;
    long longer = blob.size() % count;
    List<BlobPiece> pieces = new ArrayList<>(count);
    long offset = 0;
    for (int i = 0; i < count; i++) {
      long length = base + (i < longer ? 1 : 0);
      pieces.add(new BlobPiece(blob.digest(), offset, length));
      offset += length;
    }
    return List.copyOf(pieces);
  }

  /** Whether {@code blob} moves in pieces. */
  public boolean isCut(Digest blob) {
    return piecesByBlob.containsKey(blob);
  }

  /** The pieces of {@code blob} in order; empty for a blob that moves whole. */
  public List<BlobPiece> piecesOf(Digest blob) {
    return piecesByBlob.getOrDefault(blob, List.of());
  }

  /** The piece planned under {@code key}; empty for the digest of a blob that moves whole. */
  public Optional<BlobPiece> piece(Digest key) {
    return Optional.ofNullable(pieceByKey.get(key));
  }

  /**
   * What the planner plans for {@code blobs}: each blob that moves whole, and for each cut one its
   * pieces under their {@link BlobPiece#key() keys}.
   */
  public List<Blob> units(Collection<Blob> blobs) {
    List<Blob> units = new ArrayList<>();
    for (Blob blob : blobs) {
      List<BlobPiece> pieces = piecesOf(blob.digest());
      if (pieces.isEmpty()) {
        units.add(blob);
      } else {
        pieces.forEach(piece -> units.add(new Blob(piece.key(), piece.length())));
      }
    }
    return units;
  }
}
