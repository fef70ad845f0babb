package io.dockmaster.cache;

import io.dockmaster.registry.Digest;

/**
 * One blob the cache knows, complete or being written, or one piece of a blob being filled in
 * pieces (see {@link PieceAssembly}).
 */
final class CachedBlob {

  /** The blob's digest, or for a piece the key it goes by. */
  final Digest digest;

  final long size;
  final String mediaType;
  final BlobProgress progress;

  /** Where the content starts in its file: 0 for a blob, the piece's first byte for a piece. */
  final long fileOffset;

  /** The blob a piece belongs to; null for a blob. */
  final PieceAssembly assembly;

  /** The peers relaying the blob while it is written, whom its writer keeps pace with. */
  final RelayPace pace = new RelayPace();

  /** Open streams; a blob being read is not evicted. Guarded by the cache's lock. */
  int readers;

  CachedBlob(Digest digest, long size, String mediaType, BlobProgress progress) {
    this(digest, size, mediaType, progress, 0, null);
  }

  private CachedBlob(
      Digest digest,
      long size,
      String mediaType,
      BlobProgress progress,
      long fileOffset,
      PieceAssembly assembly) {
    this.digest = digest;
    this.size = size;
    this.mediaType = mediaType;
    this.progress = progress;
    this.fileOffset = fileOffset;
    this.assembly = assembly;
  }

  /** A piece of the blob {@code assembly} fills, starting to be written. */
  static CachedBlob piece(
      Digest key, String name, long offset, long length, PieceAssembly assembly) {
    return new CachedBlob(key, length, null, BlobProgress.writing(name), offset, assembly);
  }

  boolean isPiece() {
    return assembly != null;
  }
}
