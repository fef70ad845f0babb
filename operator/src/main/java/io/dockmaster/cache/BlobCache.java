package io.dockmaster.cache;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobRange;
import io.dockmaster.control.RangeDigest;
import io.dockmaster.registry.Digest;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's content-addressed blob cache: blobs keyed by sha256 digest only, readable while they
 * are still being written, evicted least recently used first unless pinned or being read.
 *
 * <p>On open, partial blobs left by a crash are deleted and complete ones kept. Complete blobs are
 * not re-hashed on open: a file only becomes complete by an atomic rename after its digest was
 * verified and its data synced (see {@link CacheLayout}), and every consumer (containerd, peer
 * agents) verifies digests again anyway. Recency is not persisted; after a restart blobs count as
 * used in the order they were written.
 *
 * <p>Thread-safe. One lock guards the index; only short file operations (open, rename, delete) run
 * under it, never data transfer or fsync.
 */
public final class BlobCache implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BlobCache.class);

  private final CacheLayout layout;
  private final CacheLimits limits;
  private final CacheMetrics metrics;
  private final Object lock = new Object();

  /** Writes in progress: of whole blobs by digest, of pieces by their key. */
  private final Map<Digest, BlobWrite> writing = new HashMap<>();

  private final CacheSpace space;
  private final PieceFills pieces;
  private boolean closed;

  private BlobCache(CacheLayout layout, CacheLimits limits, MeterRegistry meters) {
    this.layout = layout;
    this.limits = limits;
    this.metrics = new CacheMetrics(meters, this::usage);
    this.space = new CacheSpace(limits, layout, metrics, writing::size);
    this.pieces = new PieceFills(this, space, writing, layout, lock);
  }

  /**
   * Opens (creating if needed) the cache in {@code directory}.
   *
   * @throws IOException naming the directory and the fix if it cannot be created or written
   */
  public static BlobCache open(Path directory, CacheLimits limits, MeterRegistry meters)
      throws IOException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(meters, "meters");
    CacheLayout layout = CacheLayout.prepare(directory);
    List<StoredBlob> stored = layout.scanCompleteBlobs();
    BlobCache cache = new BlobCache(layout, limits, meters);
    stored.stream().sorted(Comparator.comparing(StoredBlob::modified)).forEach(cache::adopt);
    log.info(
        "Blob cache at {} holds {} blobs, {} of {} bytes",
        layout.root(),
        stored.size(),
        cache.space.completeBytes(),
        limits.capacityBytes());
    return cache;
  }

  /**
   * Starts writing a blob, reserving its size (evicting if that crosses the high watermark).
   *
   * @param expectedSize the size from the blob's descriptor; the content must match it exactly
   * @param mediaType recorded beside the blob and served with it, or null
   * @return empty if the blob is already complete or another write of it is in progress
   * @throws CacheFullException if the blob does not fit even after evicting everything evictable
   * @throws IllegalArgumentException for a digest other than sha256, a negative size or an invalid
   *     media type
   */
  public Optional<BlobWrite> startWrite(Digest digest, long expectedSize, String mediaType)
      throws IOException {
    requireSha256(digest);
    if (expectedSize < 0) {
      throw new IllegalArgumentException(
          "expectedSize of blob "
              + digest
              + " must not be negative, got "
              + expectedSize
              + "; pass the size from the blob's descriptor");
    }
    MediaTypeSyntax.check(mediaType);
    synchronized (lock) {
      ensureOpen();
      if (space.isComplete(digest)
          || writing.containsKey(digest)
          || !pieces.giveUpUnlessWriting(digest)) {
        return Optional.empty();
      }
      space.reserve(digest, expectedSize);
      FileChannel channel =
          FileChannel.open(
              layout.incoming(digest),
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE);
      CachedBlob blob =
          new CachedBlob(digest, expectedSize, mediaType, BlobProgress.writing(digest.toString()));
      BlobWrite write = new BlobWrite(this, blob, channel);
      writing.put(digest, write);
      return Optional.of(write);
    }
  }

  /**
   * Starts writing one piece of a blob that is filled in pieces, out of order, into one partial
   * file. The blob's size is reserved with its first piece; the blob becomes complete when the
   * write that completes its ranges commits and the whole file hashes to its digest.
   *
   * @return empty if the blob is complete, written whole by another write, or this piece is being
   *     or was written
   * @throws CacheFullException if the blob does not fit even after evicting everything evictable
   * @throws IllegalArgumentException as {@link #startWrite(Digest, long, String)} does, and for a
   *     piece outside the blob or a size other than the one its other pieces were started with
   */
  public Optional<BlobWrite> startWrite(BlobPiece piece, long blobSize, String mediaType)
      throws IOException {
    Digest digest = piece.blob();
    requireSha256(digest);
    MediaTypeSyntax.check(mediaType);
    if (piece.end() > blobSize) {
      throw new IllegalArgumentException(
          "piece " + piece + " ends beyond the " + blobSize + " bytes of its blob");
    }
    synchronized (lock) {
      ensureOpen();
      return pieces.startWrite(piece, blobSize, mediaType);
    }
  }

  /**
   * The blob, complete or being written, or a piece (by its key) being written or written into a
   * blob that is not complete yet; empty if unknown (and for digests other than sha256). Finding a
   * blob does not count as using it; opening a stream does.
   */
  public Optional<BlobHandle> find(Digest digest) {
    synchronized (lock) {
      ensureOpen();
      CachedBlob blob = space.complete(digest);
      if (blob == null) {
        BlobWrite write = writing.get(digest);
        blob = write == null ? null : write.blob();
      }
      if (blob == null) {
        blob = pieces.find(digest);
      }
      return Optional.ofNullable(blob).map(found -> new BlobHandle(this, found));
    }
  }

  public boolean isComplete(Digest digest) {
    synchronized (lock) {
      return space.isComplete(digest);
    }
  }

  /**
   * Re-reads a complete blob and drops it when its bytes no longer hash to its digest (a disk that
   * rotted, a file changed behind the agent's back), so the node fetches it again instead of
   * serving bad bytes to peers and containerd. Hashing runs outside the lock; readers already
   * streaming the old file finish with its bytes and fail their own digest check.
   *
   * @throws IOException if the file cannot be read (the blob is kept: unreadable is not wrong)
   */
  public Verification verify(Digest digest) throws IOException {
    CachedBlob blob;
    synchronized (lock) {
      ensureOpen();
      blob = space.complete(digest);
    }
    if (blob == null) {
      return Verification.ABSENT;
    }
    Digest actual;
    try (FileChannel channel = FileChannel.open(layout.blob(digest), StandardOpenOption.READ)) {
      actual = ContentDigest.of(channel, Long.MAX_VALUE, digest);
    }
    if (actual.equals(digest)) {
      return Verification.INTACT;
    }
    synchronized (lock) {
      if (!space.drop(blob)) {
        // Evicted or replaced while we read: whatever is there now was not what we hashed.
        return Verification.ABSENT;
      }
    }
    metrics.digestMismatch();
    log.warn(
        "Blob {} on disk hashes to {}; dropped it so it is fetched again (check the disk under {})",
        digest,
        actual,
        layout.root());
    return Verification.DISCARDED;
  }

  /**
   * The digests of these ranges of the complete blob, as its file holds them now; none if the blob
   * is not complete here, and none of a range past its end (a receiver's report gone wrong, which
   * must not look like bytes this copy lacks).
   *
   * @throws IOException if the file cannot be read
   */
  public List<RangeDigest> rangeDigests(Digest digest, List<BlobRange> ranges) throws IOException {
    CachedBlob blob;
    synchronized (lock) {
      ensureOpen();
      blob = space.complete(digest);
    }
    if (blob == null) {
      return List.of();
    }
    List<BlobRange> within =
        ranges.stream().filter(range -> range.offset() + range.length() <= blob.size).toList();
    try (FileChannel channel = FileChannel.open(layout.blob(digest), StandardOpenOption.READ)) {
      return ContentDigest.ofRanges(channel, within, digest);
    }
  }

  /** What {@link #verify} found. */
  public enum Verification {
    /** The bytes hash to the digest. */
    INTACT,
    /** They did not; the blob is gone from the cache. */
    DISCARDED,
    /** The cache held no complete copy to check. */
    ABSENT
  }

  /** Complete blobs, least recently used first. */
  public List<Digest> completeDigests() {
    synchronized (lock) {
      return space.leastRecentFirst();
    }
  }

  /**
   * Replaces the blobs {@code owner} keeps from eviction. Digests not cached yet are pinned as soon
   * as they arrive.
   */
  public void pin(String owner, Set<Digest> digests) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(digests, "digests");
    synchronized (lock) {
      ensureOpen();
      space.pin(owner, digests);
    }
  }

  public void unpin(String owner) {
    synchronized (lock) {
      ensureOpen();
      space.unpin(owner);
    }
  }

  public CacheUsage usage() {
    synchronized (lock) {
      return space.usage();
    }
  }

  public CacheLimits limits() {
    return limits;
  }

  /**
   * Aborts writes in progress (their readers fail) and unregisters the meters. Streams of complete
   * blobs already open keep working until closed.
   */
  @Override
  public void close() {
    List<BlobWrite> unfinished;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      unfinished = List.copyOf(writing.values());
      pieces.closeAll("the blob cache was closed");
    }
    // Outside the lock: an abort waits for the writer's current chunk, and the writer needs the
    // lock.
    unfinished.forEach(write -> write.abort("the blob cache was closed"));
    metrics.remove();
  }

  BlobStream openStream(CachedBlob blob, long offset, long length, String relayReader)
      throws IOException {
    Digest digest = blob.digest;
    FileChannel channel;
    synchronized (lock) {
      if (closed) {
        throw new IOException("blob cache is closed; cannot read blob " + digest);
      }
      Path file;
      Path partial = pieces.partialFile(blob);
      if (space.complete(digest) == blob) {
        file = layout.blob(digest);
        space.touch(digest);
      } else if (!blob.isPiece()
          && writing.containsKey(digest)
          && writing.get(digest).blob() == blob) {
        file = layout.incoming(digest);
      } else if (partial != null) {
        file = partial;
      } else if (blob.isPiece()
          && space.complete(blob.assembly.blob.digest) == blob.assembly.blob) {
        // Written, and its blob verified and stored since the piece was found.
        file = layout.blob(blob.assembly.blob.digest);
      } else {
        blob.progress.checkNotFailed();
        throw new IOException("blob " + digest + " was evicted from the cache since it was found");
      }
      channel = FileChannel.open(file, StandardOpenOption.READ);
      blob.readers++;
    }
    // A reader of a complete blob has no writer to hold back.
    RelayPace.Follower follower =
        relayReader != null && !blob.progress.isComplete()
            ? blob.pace.join(offset, relayReader)
            : null;
    return new BlobStream(channel, blob, offset, length, follower, () -> readerClosed(blob));
  }

  /** Makes a verified, synced write complete. */
  void publish(BlobWrite write) throws IOException {
    publish(write.blob(), () -> true);
  }

  /**
   * Moves a verified, synced blob into place, unless the cache closed or {@code stillWanted} says
   * otherwise (checked under the lock).
   */
  void publish(CachedBlob blob, BooleanSupplier stillWanted) throws IOException {
    if (blob.mediaType != null) {
      layout.writeIncomingMediaType(blob.digest, blob.mediaType);
    }
    synchronized (lock) {
      if (closed || !stillWanted.getAsBoolean()) {
        throw new IOException(
            "the blob cache was closed, or blob "
                + blob.digest
                + " discarded, before it was stored");
      }
      layout.publish(blob.digest, blob.mediaType != null);
      writing.remove(blob.digest);
      pieces.stored(blob.digest);
      space.add(blob, true);
      blob.progress.complete(blob.size);
    }
    layout.syncBlobDirectory();
  }

  /** See {@link PieceFills#pieceWritten}. */
  void pieceWritten(BlobWrite write) throws IOException {
    pieces.pieceWritten(write);
  }

  void discard(BlobWrite write, String reason) {
    CachedBlob blob = write.blob();
    if (blob.isPiece()) {
      pieces.discard(write, reason);
      return;
    }
    synchronized (lock) {
      // Under the lock, so a new write of the same digest cannot have created its file yet.
      if (writing.get(blob.digest) == write) {
        writing.remove(blob.digest);
        space.release(blob.size);
        layout.discardIncoming(blob.digest);
      }
      blob.progress.fail(reason);
    }
    log.debug("Discarded partial blob {}: {}", blob.digest, reason);
  }

  void countDigestMismatch() {
    metrics.digestMismatch();
  }

  private void adopt(StoredBlob stored) {
    CachedBlob blob =
        new CachedBlob(
            stored.digest(),
            stored.size(),
            stored.mediaType(),
            BlobProgress.complete(stored.digest().toString(), stored.size()));
    space.add(blob, false);
  }

  private void readerClosed(CachedBlob blob) {
    synchronized (lock) {
      blob.readers--;
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the blob cache is closed");
    }
  }

  private static void requireSha256(Digest digest) {
    Objects.requireNonNull(digest, "digest");
    if (!digest.algorithm().equals("sha256")) {
      throw new IllegalArgumentException(
          "the blob cache stores sha256 blobs only, got "
              + digest
              + "; fetch the blob by its sha256 digest");
    }
  }
}
