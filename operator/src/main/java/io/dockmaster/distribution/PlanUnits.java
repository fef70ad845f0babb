package io.dockmaster.distribution;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one run plans, orders and tracks: the target's blobs, and in place of each blob its {@link
 * PieceLayout} cuts, that blob's pieces. A unit goes by a key (a blob's digest, a piece's {@link
 * BlobPiece#key() key}) in plans and bookkeeping, and by a name (the digest, the piece's {@link
 * BlobPiece#name() name}) in orders and inventories. A node holds a blob once it holds all its
 * units: a piece counts as held only once its agent verified the whole blob or still waits for
 * other pieces of it (see the agent's inventory).
 */
final class PlanUnits {

  private final DistributionTarget target;
  private final PieceLayout layout;
  private final Map<Digest, WantedBlob> blobs = new LinkedHashMap<>();
  private final Map<String, Map<Digest, WantedBlob>> byPlatform = new ConcurrentHashMap<>();

  private PlanUnits(DistributionTarget target, PieceLayout layout) {
    this.target = target;
    this.layout = layout;
    target
        .blobsByPlatform()
        .values()
        .forEach(
            list ->
                list.stream()
                    .filter(b -> layout.isCut(b.descriptor().digest()))
                    .forEach(b -> blobs.putIfAbsent(b.descriptor().digest(), b)));
  }

  /** Every blob planned whole. */
  static PlanUnits whole(DistributionTarget target) {
    return new PlanUnits(target, PieceLayout.none());
  }

  /** Blobs much larger than the rest of the target's planned as pieces. */
  static PlanUnits inPieces(DistributionTarget target) {
    Map<Digest, Blob> distinct = new LinkedHashMap<>();
    target
        .blobsByPlatform()
        .values()
        .forEach(
            list ->
                list.forEach(
                    b ->
                        distinct.putIfAbsent(
                            b.descriptor().digest(),
                            new Blob(b.descriptor().digest(), b.descriptor().size()))));
    return new PlanUnits(target, PieceLayout.of(distinct.values()));
  }

  /** Whether any blob moves in pieces. */
  boolean cutsAny() {
    return !blobs.isEmpty();
  }

  /**
   * The units a node of this platform needs, by key: whole blobs as they are, pieces as a blob of
   * their own (their key, their length, their blob's media type and repository).
   */
  Map<Digest, WantedBlob> unitsFor(String platform) {
    return byPlatform.computeIfAbsent(platform, p -> units(target.blobsFor(p)));
  }

  private Map<Digest, WantedBlob> units(List<WantedBlob> wanted) {
    Map<Digest, WantedBlob> units = new LinkedHashMap<>();
    for (WantedBlob blob : wanted) {
      Digest digest = blob.descriptor().digest();
      List<BlobPiece> pieces = layout.piecesOf(digest);
      if (pieces.isEmpty()) {
        units.put(digest, blob);
        continue;
      }
      for (BlobPiece piece : pieces) {
        units.put(
            piece.key(),
            new WantedBlob(
                new Descriptor(blob.descriptor().mediaType(), piece.key(), piece.length()),
                blob.repository()));
      }
    }
    return units;
  }

  /** The names inventories ask for, of the units a node of this platform needs. */
  List<String> namesFor(String platform) {
    List<String> names = new ArrayList<>();
    unitsFor(platform).keySet().forEach(key -> names.add(nameOf(key)));
    return names;
  }

  /** The key of the unit an agent named in its report. */
  Digest keyOf(String name) {
    return BlobPiece.isPieceName(name) ? BlobPiece.parse(name).key() : Digest.parse(name);
  }

  String nameOf(Digest key) {
    return layout.piece(key).map(BlobPiece::name).orElse(key.toString());
  }

  /** How log lines name a unit: the blob's short digest, and a piece's range. */
  String labelOf(Digest key) {
    return layout.piece(key).map(BlobPiece::shortName).orElse(key.shortForm());
  }

  /** The piece a key stands for; empty for a whole blob. */
  Optional<BlobPiece> piece(Digest key) {
    return layout.piece(key);
  }

  /** The blob to order for a unit: the unit itself, or the blob the piece is of. */
  WantedBlob blobToOrder(Digest key, WantedBlob unit) {
    Optional<BlobPiece> piece = layout.piece(key);
    if (piece.isEmpty()) {
      return unit;
    }
    return blobs.get(piece.get().blob());
  }

  /** The keys of the units that make up these blobs. */
  Set<Digest> unitsOf(Collection<Digest> digests) {
    Set<Digest> units = new HashSet<>();
    for (Digest digest : digests) {
      List<BlobPiece> pieces = layout.piecesOf(digest);
      if (pieces.isEmpty()) {
        units.add(digest);
      } else {
        pieces.forEach(piece -> units.add(piece.key()));
      }
    }
    return units;
  }

  /** The groups to plan, as {@link BlobGroup#of} makes them, of units. */
  List<BlobGroup> groups(Collection<String> platforms) {
    return BlobGroup.of(platform -> List.copyOf(unitsFor(platform).values()), platforms);
  }
}
