package io.dockmaster.cache;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobRange;
import io.dockmaster.control.RangeDigest;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache's blobs being filled in pieces (see {@link PieceAssembly}): starting a piece's write,
 * finding pieces, and what happens when one is written or discarded. Shares the cache's lock and
 * index; the writes it starts are in the cache's index of writes under their pieces' keys.
 */
final class PieceFills {

  private static final Logger log = LoggerFactory.getLogger(PieceFills.class);

  private final BlobCache cache;
  private final CacheSpace space;
  private final Map<Digest, BlobWrite> writing;
  private final CacheLayout layout;
  private final Object lock;
  private final Map<Digest, PieceAssembly> byBlob = new HashMap<>();
  private final Map<Digest, PieceAssembly> byPieceKey = new HashMap<>();

  /**
   * @param writing the cache's writes in progress, to which those of pieces are added by key
   */
  PieceFills(
      BlobCache cache,
      CacheSpace space,
      Map<Digest, BlobWrite> writing,
      CacheLayout layout,
      Object lock) {
    this.cache = cache;
    this.space = space;
    this.writing = writing;
    this.layout = layout;
    this.lock = lock;
  }

  /**
   * Under the lock: gives up filling the blob in pieces unless a piece of it is being written, so
   * that it can be written whole (a run that moves it whole after one that moved it in pieces).
   *
   * @return whether nothing of the blob is left in pieces
   */
  boolean giveUpUnlessWriting(Digest blob) {
    PieceAssembly assembly = byBlob.get(blob);
    if (assembly == null) {
      return true;
    }
    boolean writingAPiece =
        assembly.pieces.values().stream().anyMatch(piece -> writing.get(piece.digest) != null);
    if (writingAPiece) {
      return false;
    }
    assembly.allPieces().forEach(piece -> piece.progress.fail("the blob is written whole now"));
    drop(assembly, "the blob is written whole now");
    return true;
  }

  /** Under the lock; see {@link BlobCache#startWrite(BlobPiece, long, String)}. */
  Optional<BlobWrite> startWrite(BlobPiece piece, long blobSize, String mediaType)
      throws IOException {
    Digest digest = piece.blob();
    if (space.isComplete(digest) || writing.containsKey(digest)) {
      return Optional.empty();
    }
    PieceAssembly assembly = byBlob.get(digest);
    if (assembly == null) {
      space.reserve(digest, blobSize);
      FileChannel channel;
      try {
        channel =
            FileChannel.open(
                layout.incoming(digest),
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
      } catch (IOException e) {
        space.release(blobSize);
        throw e;
      }
      CachedBlob blob =
          new CachedBlob(digest, blobSize, mediaType, BlobProgress.writing(digest.toString()));
      assembly = new PieceAssembly(blob, channel);
      byBlob.put(digest, assembly);
    } else if (assembly.blob.size != blobSize) {
      throw new IllegalArgumentException(
          "piece "
              + piece
              + " names a blob of "
              + blobSize
              + " bytes, but its other pieces one of "
              + assembly.blob.size);
    }
    Digest key = piece.key();
    if (assembly.pieces.containsKey(key)) {
      return Optional.empty();
    }
    CachedBlob pieceBlob =
        CachedBlob.piece(key, piece.name(), piece.offset(), piece.length(), assembly);
    BlobWrite write = new BlobWrite(cache, pieceBlob, assembly.channel);
    assembly.pieces.put(key, pieceBlob);
    byPieceKey.put(key, assembly);
    writing.put(key, write);
    return Optional.of(write);
  }

  /** Under the lock: a blob being filled, or a piece being written or written, or null. */
  CachedBlob find(Digest digest) {
    PieceAssembly assembly = byBlob.get(digest);
    if (assembly != null) {
      return assembly.blob;
    }
    assembly = byPieceKey.get(digest);
    return assembly == null ? null : assembly.pieces.get(digest);
  }

  /**
   * Under the lock: the partial file a blob being filled, or a piece of one, is read from; null
   * when it is gone.
   */
  Path partialFile(CachedBlob blob) {
    PieceAssembly assembly = blob.isPiece() ? blob.assembly : byBlob.get(blob.digest);
    if (assembly == null || byBlob.get(assembly.blob.digest) != assembly) {
      return null;
    }
    boolean current =
        blob.isPiece() ? assembly.pieces.get(blob.digest) == blob : assembly.blob == blob;
    return current ? layout.incoming(assembly.blob.digest) : null;
  }

  /** Under the lock, once the blob was stored: its pieces are found in it from now on. */
  void stored(Digest blob) {
    PieceAssembly assembly = byBlob.remove(blob);
    if (assembly != null) {
      assembly.pieces.keySet().forEach(byPieceKey::remove);
    }
  }

  /**
   * Marks a committed piece written; the write that makes its blob whole verifies the file and
   * stores the blob, or discards it with all its pieces. Not under the lock.
   */
  void pieceWritten(BlobWrite write) throws IOException {
    CachedBlob piece = write.blob();
    PieceAssembly assembly = piece.assembly;
    boolean finishing;
    synchronized (lock) {
      if (byBlob.get(assembly.blob.digest) != assembly) {
        throw new IOException(
            "blob "
                + assembly.blob.digest
                + " was discarded while piece "
                + piece.digest
                + " was written");
      }
      writing.remove(piece.digest);
      piece.progress.complete(piece.size);
      assembly.blob.progress.advance(
          assembly.markWritten(piece.fileOffset, piece.fileOffset + piece.size));
      finishing = assembly.startFinishing();
    }
    if (finishing) {
      finish(assembly);
    }
  }

  /** Verifies a blob whose pieces are all written and stores it, or discards it. */
  private void finish(PieceAssembly assembly) throws IOException {
    CachedBlob blob = assembly.blob;
    Digest actual;
    try {
      actual = assembly.hashContent();
      if (actual.equals(blob.digest)) {
        assembly.channel.force(true);
        assembly.channel.close();
        cache.publish(blob, () -> byBlob.get(blob.digest) == assembly);
        return;
      }
    } catch (IOException e) {
      fail(assembly, "storing the blob failed: " + e.getMessage());
      throw e;
    }
    cache.countDigestMismatch();
    List<RangeDigest> pieces = pieceDigests(assembly);
    fail(assembly, "its pieces together do not match the digest");
    throw new DigestMismatchException(blob.digest, actual, blob.size, blob.size, pieces);
  }

  /**
   * What each piece of a blob that did not verify holds, read before it is discarded, so that the
   * operator can compare it with the senders' copies; none if the file cannot be read.
   */
  private List<RangeDigest> pieceDigests(PieceAssembly assembly) {
    List<BlobRange> ranges;
    synchronized (lock) {
      ranges = assembly.pieceRanges();
    }
    try {
      return ContentDigest.ofRanges(assembly.channel, ranges, assembly.blob.digest);
    } catch (IOException e) {
      log.warn(
          "Could not hash the pieces of blob {}, which did not verify: {}",
          assembly.blob.digest,
          e.toString());
      return List.of();
    }
  }

  /**
   * Forgets a piece whose write was discarded; its blob's other pieces go on, and the blob's
   * partial file goes when nothing is written into it or was. Not under the lock.
   */
  void discard(BlobWrite write, String reason) {
    CachedBlob piece = write.blob();
    PieceAssembly assembly = piece.assembly;
    synchronized (lock) {
      if (writing.get(piece.digest) == write) {
        writing.remove(piece.digest);
        assembly.pieces.remove(piece.digest);
        byPieceKey.remove(piece.digest);
        if (assembly.isIdle() && byBlob.get(assembly.blob.digest) == assembly) {
          drop(assembly, reason);
        }
      }
      piece.progress.fail(reason);
    }
    log.debug("Discarded piece {} of blob {}: {}", piece.digest, assembly.blob.digest, reason);
  }

  /** Discards a blob filled in pieces with every piece, aborting the writes still open. */
  private void fail(PieceAssembly assembly, String reason) {
    List<BlobWrite> open = new ArrayList<>();
    synchronized (lock) {
      if (byBlob.get(assembly.blob.digest) != assembly) {
        return;
      }
      for (CachedBlob piece : assembly.allPieces()) {
        BlobWrite write = writing.get(piece.digest);
        if (write != null && write.blob() == piece) {
          open.add(write);
        }
        piece.progress.fail(reason);
      }
      drop(assembly, reason);
    }
    // Outside the lock, as the cache's close does: an abort waits for the writer's current chunk.
    open.forEach(write -> write.abort(reason));
    log.debug("Discarded blob {} filled in pieces: {}", assembly.blob.digest, reason);
  }

  /** Under the lock, as the cache closes: readers of blobs being filled fail. */
  void closeAll(String reason) {
    for (PieceAssembly assembly : List.copyOf(byBlob.values())) {
      drop(assembly, reason);
    }
  }

  /** Under the lock. */
  private void drop(PieceAssembly assembly, String reason) {
    byBlob.remove(assembly.blob.digest);
    assembly.pieces.keySet().forEach(byPieceKey::remove);
    space.release(assembly.blob.size);
    try {
      assembly.channel.close();
    } catch (IOException e) {
      // The file is deleted next.
    }
    layout.discardIncoming(assembly.blob.digest);
    assembly.blob.progress.fail(reason);
  }
}
