package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.nio.file.attribute.FileTime;

/** A complete blob found on disk when the cache opens. */
record StoredBlob(Digest digest, long size, String mediaType, FileTime modified) {}
