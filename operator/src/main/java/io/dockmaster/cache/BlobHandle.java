package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * A blob found in the cache, complete or still being written. The handle itself holds nothing open:
 * a complete blob may be evicted until a stream of it is opened.
 */
public final class BlobHandle {

  private final BlobCache cache;
  private final CachedBlob blob;

  BlobHandle(BlobCache cache, CachedBlob blob) {
    this.cache = cache;
    this.blob = blob;
  }

  public Digest digest() {
    return blob.digest;
  }

  /** The full size of the blob, known up front even while it is being written. */
  public long size() {
    return blob.size;
  }

  public Optional<String> mediaType() {
    return Optional.ofNullable(blob.mediaType);
  }

  /** Whether the blob was written and verified; false while it is written and if that failed. */
  public boolean isComplete() {
    return blob.progress.isComplete();
  }

  /** Bytes written so far; {@link #size()} once complete. */
  public long available() {
    return blob.progress.available();
  }

  /** The whole blob; see {@link #open(long, long)}. */
  public InputStream open() throws IOException {
    return open(0, blob.size);
  }

  /**
   * Streams {@code length} bytes from {@code offset}. Bytes not written yet are waited for; the end
   * of the stream comes only after the whole blob was verified, and a write that fails or is
   * aborted fails the stream with an IOException. Close the stream: an open stream keeps the blob
   * from being evicted. Closing it from another thread wakes a blocked reader.
   *
   * @throws IllegalArgumentException if the range is not within the blob (HTTP 416)
   * @throws IOException if the blob was evicted or discarded since it was found
   */
  public InputStream open(long offset, long length) throws IOException {
    return stream(offset, length, null);
  }

  /** The same as {@link #open(long, long)}, read into {@link java.nio.ByteBuffer}s. */
  public ReadableByteChannel openChannel(long offset, long length) throws IOException {
    return stream(offset, length, null);
  }

  /**
   * The same as {@link #openChannel(long, long)}, for a peer relaying the blob onward: while the
   * blob is written, its writer keeps pace with this reader (see {@link
   * BlobWrite#awaitRelays(RelayLimits)}).
   *
   * @param reader who reads (the peer's node), named when the writer stops keeping pace with it
   */
  public ReadableByteChannel openRelayChannel(long offset, long length, String reader)
      throws IOException {
    return stream(offset, length, reader);
  }

  /**
   * @param relayReader the peer relaying the blob onward, or null for a reader the writer does not
   *     keep pace with
   */
  private BlobStream stream(long offset, long length, String relayReader) throws IOException {
    if (offset < 0 || length < 0 || offset > blob.size - length) {
      throw new IllegalArgumentException(
          "range offset="
              + offset
              + " length="
              + length
              + " is outside blob "
              + blob.digest
              + " of "
              + blob.size
              + " bytes; ask for a range within 0.."
              + blob.size);
    }
    return cache.openStream(blob, offset, length, relayReader);
  }
}
