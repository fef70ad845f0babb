package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.MIB;
import static io.dockmaster.distribution.PlanFixtures.blob;
import static io.dockmaster.distribution.PlanFixtures.emptyNodes;
import static io.dockmaster.distribution.PlanFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.BlobPiece;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PieceLayoutTest {

  private final Blob large = blob(0, 400 * MIB);
  private final List<Blob> dominantLayer =
      List.of(
          large,
          blob(1, 25 * MIB),
          blob(2, 25 * MIB),
          blob(3, 25 * MIB),
          blob(4, 25 * MIB),
          blob(5, 4_000));

  @Test
  void aLayerMuchLargerThanTheRestIsCutIntoPiecesTheSizeOfTheOthers() {
    PieceLayout layout = PieceLayout.of(dominantLayer);

    List<BlobPiece> pieces = layout.piecesOf(large.digest());
    assertThat(pieces).hasSize(16).allMatch(piece -> piece.length() == 25 * MIB);
    assertThat(layout.isCut(large.digest())).isTrue();
    assertThat(layout.isCut(blob(1, 25 * MIB).digest())).isFalse();
    assertThat(layout.units(dominantLayer)).hasSize(16 + 5);
  }

  @Test
  void piecesCoverTheBlobInOrderWithoutGapOrOverlapAndDifferByAByteAtMost() {
    Blob odd = blob(0, 400 * MIB + 7);
    List<Blob> blobs = new ArrayList<>(dominantLayer);
    blobs.set(0, odd);

    List<BlobPiece> pieces = PieceLayout.of(blobs).piecesOf(odd.digest());

    long next = 0;
    for (BlobPiece piece : pieces) {
      assertThat(piece.blob()).isEqualTo(odd.digest());
      assertThat(piece.offset()).isEqualTo(next);
      next = piece.end();
    }
    assertThat(next).isEqualTo(odd.size());
    Set<Long> lengths = pieces.stream().map(BlobPiece::length).collect(Collectors.toSet());
    assertThat(lengths).containsExactlyInAnyOrder(25 * MIB, 25 * MIB + 1);
  }

  @Test
  void layersOfOneSizeMoveWhole() {
    List<Blob> three = List.of(blob(0, 100 * MIB), blob(1, 100 * MIB), blob(2, 100 * MIB));
    List<Blob> two = List.of(blob(0, 32 * MIB), blob(1, 32 * MIB), blob(2, 2_000));

    assertThat(PieceLayout.of(three).units(three)).isEqualTo(three);
    assertThat(PieceLayout.of(two).units(two)).isEqualTo(two);
  }

  @Test
  void anImageOfOneLayerIsStillCutInTwo() {
    Blob only = blob(0, 500 * MIB);
    List<Blob> image = List.of(only, blob(1, 3_000), blob(2, 900));

    assertThat(PieceLayout.of(image).piecesOf(only.digest())).hasSize(2);
  }

  @Test
  void noPieceIsShorterThanTheMinimumNorAreThereMoreThanTheMaximum() {
    Blob forty = blob(0, 40 * MIB);
    List<Blob> small = List.of(forty, blob(1, 10 * MIB), blob(2, 10 * MIB), blob(3, 10 * MIB));
    Blob huge = blob(99, 3_000 * MIB);
    List<Blob> hugeAmongSmall = new ArrayList<>(List.of(huge));
    for (int i = 0; i < 8; i++) {
      hugeAmongSmall.add(blob(i, 40 * MIB));
    }

    assertThat(PieceLayout.of(small).piecesOf(forty.digest()))
        .hasSize(2)
        .allMatch(piece -> piece.length() >= PieceLayout.MIN_PIECE_BYTES);
    assertThat(PieceLayout.of(hugeAmongSmall).piecesOf(huge.digest()))
        .hasSize(PieceLayout.MAX_PIECES_PER_BLOB);
  }

  @Test
  void anImageOfSmallBlobsIsNotCut() {
    List<Blob> tiny = List.of(blob(0, 20 * MIB), blob(1, 100_000), blob(2, 2_000));

    assertThat(PieceLayout.of(tiny).units(tiny)).isEqualTo(tiny);
  }

  @Test
  void theSameBlobsInAnotherOrderGiveTheSamePieces() {
    List<Blob> shuffled = new ArrayList<>(dominantLayer);
    Collections.reverse(shuffled);

    assertThat(PieceLayout.of(shuffled).piecesOf(large.digest()))
        .isEqualTo(PieceLayout.of(dominantLayer).piecesOf(large.digest()));
  }

  @Test
  void aPieceIsFoundByTheKeyItIsPlannedUnder() {
    PieceLayout layout = PieceLayout.of(dominantLayer);
    BlobPiece third = layout.piecesOf(large.digest()).get(2);

    assertThat(layout.piece(third.key())).contains(third);
    assertThat(layout.piece(large.digest())).isEmpty();
  }

  @Test
  void theLargeLayersPiecesAreSeededByDifferentNodes() {
    PieceLayout layout = PieceLayout.of(dominantLayer);

    Plan plan = new MultiTreePlanner().plan(request(layout.units(dominantLayer), emptyNodes(20)));

    Set<String> seeds =
        plan.start().stream()
            .filter(t -> t.source().isUpstream() && layout.piece(t.blob().digest()).isPresent())
            .map(Transfer::node)
            .collect(Collectors.toSet());
    assertThat(seeds).hasSize(16);
  }
}
