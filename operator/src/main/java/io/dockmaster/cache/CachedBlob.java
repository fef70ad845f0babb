package io.dockmaster.cache;

import io.dockmaster.registry.Digest;

/** One blob the cache knows, complete or being written. */
final class CachedBlob {

  final Digest digest;
  final long size;
  final String mediaType;
  final BlobProgress progress;

  /** The peers relaying the blob while it is written, whom its writer keeps pace with. */
  final RelayPace pace = new RelayPace();

  /** Open streams; a blob being read is not evicted. Guarded by the cache's lock. */
  int readers;

  CachedBlob(Digest digest, long size, String mediaType, BlobProgress progress) {
    this.digest = digest;
    this.size = size;
    this.mediaType = mediaType;
    this.progress = progress;
  }
}
