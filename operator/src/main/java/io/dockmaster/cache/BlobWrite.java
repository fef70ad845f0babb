package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.List;

/**
 * Writing one blob into the cache. Content is hashed as it is written; {@link #commit()} verifies
 * digest and size, syncs the file and only then makes the blob complete. Anything else discards it:
 * {@link #abort}, {@link #close()} without a commit, a failed verification, an I/O error, or the
 * cache closing. Meant for one writing thread; {@link #abort} may come from any thread.
 */
public final class BlobWrite implements AutoCloseable {

  private enum State {
    OPEN,
    COMMITTED,
    DISCARDED
  }

  private final BlobCache cache;
  private final CachedBlob blob;
  private final FileChannel channel;

  /**
   * Null for a piece: its blob is hashed whole once its pieces are in, and OCI gives a piece no
   * digest to check against.
   */
  private final MessageDigest hasher;

  private final Object guard = new Object();
  private State state = State.OPEN;
  private String discardReason;
  private long written;

  BlobWrite(BlobCache cache, CachedBlob blob, FileChannel channel) {
    this.cache = cache;
    this.blob = blob;
    this.channel = channel;
    this.hasher = blob.isPiece() ? null : blob.digest.newHasher();
  }

  public Digest digest() {
    return blob.digest;
  }

  public long expectedSize() {
    return blob.size;
  }

  /** Neither committed nor discarded: more bytes may follow. */
  public boolean isOpen() {
    synchronized (guard) {
      return state == State.OPEN;
    }
  }

  public long written() {
    synchronized (guard) {
      return written;
    }
  }

  /**
   * Blocks while a peer relaying the blob (a stream from {@link BlobHandle#openRelayChannel}) is
   * more than the window behind what was written, letting go of one that does not move or that
   * holds the write back too long (see {@link RelayLimits}). Called by the writing thread before it
   * takes more from its source, so a slow relay slows the source, as a pipe would.
   *
   * @return the peers the write stopped keeping pace with during this call; usually none
   * @throws IOException if the write was discarded meanwhile
   */
  public List<RelayRelease> awaitRelays(RelayLimits limits) throws IOException {
    return blob.pace.awaitFollowers(written(), limits, () -> !isOpen());
  }

  public void write(byte[] content) throws IOException {
    write(ByteBuffer.wrap(content));
  }

  public void write(byte[] content, int offset, int length) throws IOException {
    write(ByteBuffer.wrap(content, offset, length));
  }

  /**
   * Appends all remaining bytes of {@code content} and makes them visible to readers.
   *
   * @throws DigestMismatchException if this would exceed the expected size; the blob is discarded
   * @throws IOException if the write was discarded or the disk failed; the blob is discarded
   */
  public void write(ByteBuffer content) throws IOException {
    synchronized (guard) {
      ensureOpen();
      int length = content.remaining();
      if (written + length > blob.size && blob.isPiece()) {
        throw wrongPieceSize(written + length);
      } else if (written + length > blob.size) {
        hasher.update(content);
        throw refuse(Digest.of(hasher), written + length);
      }
      ByteBuffer hashed = content.duplicate();
      try {
        // At its own position: the pieces of a blob share one file.
        long position = blob.fileOffset + written;
        while (content.hasRemaining()) {
          position += channel.write(content, position);
        }
      } catch (IOException e) {
        discard("writing failed: " + e);
        throw e;
      }
      if (hasher != null) {
        hasher.update(hashed);
      }
      written += length;
      blob.progress.advance(written);
    }
  }

  /**
   * Verifies the content and makes the blob complete: synced to disk, then renamed into place. For
   * a piece, checks its size and marks it written; the write that completes its blob's ranges then
   * verifies and publishes the whole blob.
   *
   * @throws DigestMismatchException if digest or size differ; the blob is discarded and counted
   *     (for a piece: the whole blob, with every piece of it)
   * @throws IOException if syncing or renaming failed or the cache closed; the blob is discarded
   */
  public void commit() throws IOException {
    synchronized (guard) {
      ensureOpen();
      if (blob.isPiece()) {
        if (written != blob.size) {
          throw wrongPieceSize(written);
        }
        state = State.COMMITTED;
        cache.pieceWritten(this);
        return;
      }
      Digest actual = Digest.of(hasher);
      if (written != blob.size || !actual.equals(blob.digest)) {
        throw refuse(actual, written);
      }
      try {
        channel.force(true);
        channel.close();
        cache.publish(this);
      } catch (IOException e) {
        discard("committing failed: " + e.getMessage());
        throw e;
      }
      state = State.COMMITTED;
    }
  }

  /** Discards the partial blob; readers waiting for it fail with {@code reason}. Idempotent. */
  public void abort(String reason) {
    synchronized (guard) {
      if (state == State.OPEN) {
        discard(reason);
      }
    }
    // Outside the guard: a writer waiting for its relays holds the pace's lock and then asks
    // whether the write is still open.
    blob.pace.wakeWriter();
  }

  /** Aborts unless committed, so try-with-resources never leaves a partial blob behind. */
  @Override
  public void close() {
    abort("the write was closed without a commit");
  }

  CachedBlob blob() {
    return blob;
  }

  private void ensureOpen() throws IOException {
    if (state == State.COMMITTED) {
      throw new IllegalStateException("blob " + blob.digest + " was already committed");
    }
    if (state == State.DISCARDED) {
      throw new IOException("write of blob " + blob.digest + " was discarded: " + discardReason);
    }
  }

  /** A piece's source sent more or fewer bytes than the piece has: a transfer stops before that. */
  private IOException wrongPieceSize(long actualSize) {
    discard("the piece's source sent " + actualSize + " of its " + blob.size + " bytes");
    return new IOException(
        "the piece of blob "
            + blob.assembly.blob.digest
            + " from byte "
            + blob.fileOffset
            + " received "
            + actualSize
            + " of its "
            + blob.size
            + " bytes");
  }

  private DigestMismatchException refuse(Digest actual, long actualSize) {
    DigestMismatchException mismatch =
        new DigestMismatchException(blob.digest, actual, blob.size, actualSize);
    cache.countDigestMismatch();
    discard("content does not match the digest");
    return mismatch;
  }

  private void discard(String reason) {
    state = State.DISCARDED;
    discardReason = reason;
    if (!blob.isPiece()) {
      // A piece's file is its blob's, which other pieces may still be written into.
      try {
        channel.close();
      } catch (IOException e) {
        // The file is deleted next; nothing was promised about its content.
      }
    }
    cache.discard(this, reason);
  }
}
