package io.dockmaster.agent;

import io.dockmaster.agent.TransferFailure.Reason;
import io.dockmaster.cache.DigestMismatchException;
import io.dockmaster.control.ReceivedPiece;
import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every source that wrote each piece of each blob being assembled here. A blob is checked only once
 * its last piece is in, so when it does not hash to its digest these are whom the operator can
 * suspect: one of them sent the wrong bytes, and when there was only one, it did. Which one, the
 * digests of the pieces tell, compared with the senders' own copies.
 */
final class PieceSenders {

  /** The sources of a blob's pieces: by piece offset, and all of them. */
  record Senders(List<String> all, Map<Long, List<String>> byPiece) {

    static final Senders NONE = new Senders(List.of(), Map.of());

    /** The one source that wrote the piece at this offset, or null if several did or none. */
    String soleSenderOf(long offset) {
      List<String> sources = byPiece.getOrDefault(offset, List.of());
      return sources.size() == 1 ? sources.get(0) : null;
    }
  }

  private final Map<Digest, Map<Long, Set<String>>> byBlob = new ConcurrentHashMap<>();

  /** Noted before the piece is committed, so the commit that completes the blob finds them all. */
  void wrote(Digest blob, long pieceOffset, List<String> sources) {
    byBlob.compute(
        blob,
        (b, known) -> {
          Map<Long, Set<String>> pieces = known == null ? new TreeMap<>() : known;
          pieces.computeIfAbsent(pieceOffset, o -> new LinkedHashSet<>()).addAll(sources);
          return pieces;
        });
  }

  /** The senders of a blob whose pieces were all discarded; none are kept for it afterwards. */
  Senders take(Digest blob) {
    Map<Long, Set<String>> pieces = byBlob.remove(blob);
    if (pieces == null) {
      return Senders.NONE;
    }
    Set<String> all = new LinkedHashSet<>();
    Map<Long, List<String>> byPiece = new TreeMap<>();
    pieces.forEach(
        (offset, sources) -> {
          all.addAll(sources);
          byPiece.put(offset, List.copyOf(sources));
        });
    return new Senders(new ArrayList<>(all), byPiece);
  }

  /**
   * The failure of a blob whose pieces did not add up, naming their senders and what each piece
   * held; none are kept for the blob afterwards.
   */
  TransferFailure mismatchOf(Digest blob, DigestMismatchException mismatch) {
    Senders senders = take(blob);
    List<ReceivedPiece> received =
        mismatch.pieces().stream()
            .map(
                piece ->
                    new ReceivedPiece(
                        piece.offset(),
                        piece.length(),
                        senders.soleSenderOf(piece.offset()),
                        piece.digest()))
            .toList();
    return new TransferFailure(
        Reason.DigestMismatch,
        "the pieces of blob "
            + blob
            + " from "
            + String.join(", ", senders.all())
            + " together hashed to "
            + mismatch.actual()
            + "; every piece of it was discarded",
        senders.all(),
        received);
  }

  /** The blob is complete, or its pieces are gone: its senders no longer matter. */
  void forget(Digest blob) {
    byBlob.remove(blob);
  }
}
