package io.dockmaster.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BlobPieceTest {

  private final Digest blob = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));

  @Test
  void aNameParsesBackToTheSamePiece() {
    BlobPiece piece = new BlobPiece(blob, 26_214_400, 26_214_401);

    assertThat(piece.name()).isEqualTo(blob + "@26214400+26214401");
    assertThat(BlobPiece.parse(piece.name())).isEqualTo(piece);
    assertThat(piece.end()).isEqualTo(52_428_801);
    assertThat(BlobPiece.isPieceName(piece.name())).isTrue();
    assertThat(BlobPiece.isPieceName(blob.toString())).isFalse();
  }

  @Test
  void piecesOfOneBlobHaveKeysOfTheirOwnThatEveryoneDerivesAlike() {
    BlobPiece first = new BlobPiece(blob, 0, 100);
    BlobPiece second = new BlobPiece(blob, 100, 100);

    assertThat(first.key()).isNotEqualTo(second.key()).isNotEqualTo(blob);
    assertThat(new BlobPiece(blob, 0, 100).key()).isEqualTo(first.key());
    assertThat(new BlobPiece(blob, 0, 101).key()).isNotEqualTo(first.key());
  }

  @Test
  void aMalformedNameIsRefusedNamingTheExpectedForm() {
    assertThatThrownBy(() -> BlobPiece.parse(blob + "@12"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected <digest>@<offset>+<length>");
    assertThatThrownBy(() -> BlobPiece.parse("sha256:abc@0+1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64");
    assertThatThrownBy(() -> BlobPiece.parse(blob + "@0+99999999999999999999"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anEmptyOrNegativeRangeIsRefused() {
    assertThatThrownBy(() -> new BlobPiece(blob, 0, 0))
        .hasMessageContaining("length of at least 1");
    assertThatThrownBy(() -> new BlobPiece(blob, -1, 5)).hasMessageContaining("first byte");
    assertThatThrownBy(() -> BlobPiece.parse(blob + "@9223372036854775807+2"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
