package io.dockmaster.agent;

import io.dockmaster.control.TransferOrder;
import io.dockmaster.registry.Digest;
import java.io.InputStream;

/** Where a transfer's bytes come from; the runner neither knows nor cares how they travel. */
interface BlobSource {

  /**
   * @return the blob's bytes from the start, unverified (the cache verifies them)
   * @throws TransferFailure when the source cannot even start sending
   */
  InputStream open(TransferOrder order, Digest digest) throws TransferFailure;
}
