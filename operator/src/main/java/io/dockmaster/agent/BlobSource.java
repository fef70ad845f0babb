package io.dockmaster.agent;

import io.dockmaster.control.TransferOrder;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.Digest;

/** Where a transfer's bytes come from; the runner neither knows nor cares how they travel. */
interface BlobSource {

  /**
   * @param offset the first byte wanted: those before it are already in the cache
   * @return the blob's bytes from {@code offset}, or from the start when the source does not take
   *     ranges (the reader drops what it has), unverified (the cache verifies them)
   * @throws TransferFailure when the source cannot even start sending
   */
  BlobFrom open(TransferOrder order, Digest digest, long offset) throws TransferFailure;
}
