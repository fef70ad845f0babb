package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanUnitsTest {

  private static final long MIB = 1024 * 1024;
  private static final String AMD64 = "linux/amd64";
  private static final String ARM64 = "linux/arm64";
  private final WantedBlob large = blob("large", 400 * MIB);
  private final WantedBlob small = blob("small", 25 * MIB);
  private final WantedBlob armOnly = blob("arm", 25 * MIB);
  private final DistributionTarget target =
      target(
          Map.of(
              AMD64,
              List.of(large, small, blob("s2", 25 * MIB), blob("s3", 25 * MIB)),
              ARM64,
              List.of(large, armOnly)));

  @Test
  void aCutBlobIsPlannedAsItsPiecesUnderTheirKeysAndTheRestAsThemselves() {
    PlanUnits units = PlanUnits.inPieces(target);

    Map<Digest, WantedBlob> amd = units.unitsFor(AMD64);

    assertThat(units.cutsAny()).isTrue();
    assertThat(amd).containsKey(digest(small)).doesNotContainKey(digest(large));
    List<Digest> pieceKeys = amd.keySet().stream().filter(k -> units.piece(k).isPresent()).toList();
    assertThat(pieceKeys).hasSize(16);
    WantedBlob piece = amd.get(pieceKeys.get(0));
    assertThat(piece.descriptor().size()).isEqualTo(25 * MIB);
    assertThat(piece.descriptor().mediaType()).isEqualTo(large.descriptor().mediaType());
    assertThat(units.blobToOrder(pieceKeys.get(0), piece)).isEqualTo(large);
    assertThat(units.blobToOrder(digest(small), small)).isEqualTo(small);
  }

  @Test
  void namesAreWhatAgentsReportAndMapBackToKeys() {
    PlanUnits units = PlanUnits.inPieces(target);
    List<String> names = units.namesFor(AMD64);

    assertThat(names).contains(digest(small).toString());
    String pieceName = names.stream().filter(BlobPiece::isPieceName).findFirst().orElseThrow();
    Digest key = units.keyOf(pieceName);
    assertThat(units.nameOf(key)).isEqualTo(pieceName);
    assertThat(units.keyOf(digest(small).toString())).isEqualTo(digest(small));
  }

  @Test
  void theUnitsOfBlobsAreTheirPiecesOrThemselves() {
    PlanUnits units = PlanUnits.inPieces(target);

    Set<Digest> ofImage = units.unitsOf(List.of(digest(large), digest(armOnly)));

    assertThat(ofImage).hasSize(17).contains(digest(armOnly));
    assertThat(units.unitsFor(ARM64).keySet()).containsExactlyInAnyOrderElementsOf(ofImage);
  }

  @Test
  void planningWholeCutsNothing() {
    PlanUnits units = PlanUnits.whole(target);

    assertThat(units.cutsAny()).isFalse();
    assertThat(units.unitsFor(AMD64)).hasSize(4).containsKey(digest(large));
    assertThat(units.namesFor(ARM64))
        .containsExactlyInAnyOrder(digest(large).toString(), digest(armOnly).toString());
  }

  private static Digest digest(WantedBlob blob) {
    return blob.descriptor().digest();
  }

  private static WantedBlob blob(String content, long size) {
    return new WantedBlob(
        new Descriptor(
            "application/vnd.oci.image.layer.v1.tar+gzip",
            Digest.sha256(content.getBytes(StandardCharsets.UTF_8)),
            size),
        "team/app");
  }

  private static DistributionTarget target(Map<String, List<WantedBlob>> blobs) {
    return new DistributionTarget(
        "uid",
        "app",
        1,
        UpstreamAccess.anonymous("registry.example.com", false),
        blobs,
        Optional.empty(),
        1,
        0,
        0,
        false,
        Map.of(),
        Map.of());
  }
}
