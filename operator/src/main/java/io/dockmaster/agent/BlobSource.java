package io.dockmaster.agent;

import io.dockmaster.control.TransferOrder;
import io.dockmaster.registry.Digest;
import java.io.InputStream;

/** Where a transfer's bytes come from; the runner neither knows nor cares how they travel. */
interface BlobSource {

  /**
   * @param offset how many of the blob's bytes to leave out: those already in the cache
   * @return the blob's bytes from {@code offset}, unverified (the cache verifies them)
   * @throws TransferFailure when the source cannot even start sending
   */
  InputStream open(TransferOrder order, Digest digest, long offset) throws TransferFailure;
}
