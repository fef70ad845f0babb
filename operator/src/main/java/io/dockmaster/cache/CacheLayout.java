package io.dockmaster.cache;

import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the cache keeps its files: {@code blobs/sha256/<hex>} for complete blobs with an optional
 * {@code <hex>.mediatype} beside them, and {@code incoming/<hex>} for blobs being written. A file
 * only ever appears under {@code blobs/} by an atomic rename after its content was verified and
 * synced, so everything under {@code blobs/} is complete and everything under {@code incoming/} is
 * disposable.
 */
final class CacheLayout {

  private static final Logger log = LoggerFactory.getLogger(CacheLayout.class);

  private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");
  private static final String MEDIA_TYPE_SUFFIX = ".mediatype";
  private static final Digest EMPTY = Digest.sha256(new byte[0]);
  private static final int MAX_SIDECAR_BYTES = 1024;

  private final Path root;
  private final Path blobs;
  private final Path incoming;

  private CacheLayout(Path root) {
    this.root = root;
    this.blobs = root.resolve("blobs").resolve("sha256");
    this.incoming = root.resolve("incoming");
  }

  /**
   * Creates the directories, checks they are writable and deletes partial blobs left by a crash.
   *
   * @throws IOException naming the directory and how to fix it
   */
  static CacheLayout prepare(Path root) throws IOException {
    CacheLayout layout = new CacheLayout(root.toAbsolutePath().normalize());
    layout.createWritable(layout.blobs);
    layout.createWritable(layout.incoming);
    layout.deletePartials();
    return layout;
  }

  Path root() {
    return root;
  }

  Path blob(Digest digest) {
    return blobs.resolve(digest.hex());
  }

  Path incoming(Digest digest) {
    return incoming.resolve(digest.hex());
  }

  /**
   * The complete blobs on disk. Content is not re-hashed (see the class comment); only a
   * zero-length file that is not the empty blob is dropped, the one shape a crash can leave on file
   * systems that reorder a rename before the data.
   */
  List<StoredBlob> scanCompleteBlobs() throws IOException {
    List<StoredBlob> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(blobs)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.endsWith(MEDIA_TYPE_SUFFIX)) {
          String hex = name.substring(0, name.length() - MEDIA_TYPE_SUFFIX.length());
          if (!Files.exists(blobs.resolve(hex))) {
            Files.deleteIfExists(file);
          }
          continue;
        }
        if (!SHA256_HEX.matcher(name).matches()) {
          log.warn("Ignoring unexpected file {} in the blob cache", file);
          continue;
        }
        Digest digest = Digest.parse("sha256:" + name);
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
          log.warn("Ignoring {} in the blob cache: not a regular file", file);
          continue;
        }
        if (attributes.size() == 0 && !digest.equals(EMPTY)) {
          log.warn("Deleting empty blob file {}: it was cut short by a crash", file);
          delete(digest);
          continue;
        }
        found.add(
            new StoredBlob(
                digest, attributes.size(), readMediaType(digest), attributes.lastModifiedTime()));
      }
    }
    return found;
  }

  /** Writes the media type beside the incoming blob and syncs it, ready for {@link #publish}. */
  void writeIncomingMediaType(Digest digest, String mediaType) throws IOException {
    try (FileChannel channel =
        FileChannel.open(
            incomingMediaType(digest),
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      channel.write(StandardCharsets.UTF_8.encode(mediaType));
      channel.force(true);
    }
  }

  /**
   * Moves a verified incoming blob (and its media type first, so a complete blob never lacks it)
   * into {@code blobs/}.
   */
  void publish(Digest digest, boolean withMediaType) throws IOException {
    if (withMediaType) {
      atomicMove(incomingMediaType(digest), mediaType(digest));
    }
    try {
      atomicMove(incoming(digest), blob(digest));
    } catch (IOException e) {
      // Otherwise a later write of the same blob without a media type would inherit this one.
      deleteQuietly(mediaType(digest));
      throw e;
    }
  }

  /** Makes the renames into {@code blobs/} durable. Best effort: not every platform can. */
  void syncBlobDirectory() {
    try (FileChannel directory = FileChannel.open(blobs, StandardOpenOption.READ)) {
      directory.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("Could not sync directory {}: {}", blobs, e.toString());
    }
  }

  void discardIncoming(Digest digest) {
    deleteQuietly(incoming(digest));
    deleteQuietly(incomingMediaType(digest));
  }

  /**
   * Deletes a complete blob, the blob before its media type so a crash in between leaves only an
   * orphan media type, which the next open removes.
   *
   * @return whether the blob file is gone
   */
  boolean delete(Digest digest) {
    boolean deleted = deleteQuietly(blob(digest));
    if (deleted) {
      deleteQuietly(mediaType(digest));
    }
    return deleted;
  }

  private Path mediaType(Digest digest) {
    return blobs.resolve(digest.hex() + MEDIA_TYPE_SUFFIX);
  }

  private Path incomingMediaType(Digest digest) {
    return incoming.resolve(digest.hex() + MEDIA_TYPE_SUFFIX);
  }

  private String readMediaType(Digest digest) throws IOException {
    Path file = mediaType(digest);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    if (Files.size(file) <= MAX_SIDECAR_BYTES) {
      String mediaType = Files.readString(file, StandardCharsets.UTF_8);
      if (MediaTypeSyntax.isValid(mediaType)) {
        return mediaType;
      }
    }
    log.warn("Ignoring unreadable media type file {}", file);
    return null;
  }

  private void createWritable(Path directory) throws IOException {
    try {
      Files.createDirectories(directory);
      Files.delete(Files.createTempFile(directory, ".probe-", ""));
    } catch (IOException e) {
      throw new IOException(
          "blob cache directory "
              + root
              + " is not usable: cannot create and write "
              + directory
              + " ("
              + e
              + "); point the agent's cache directory at a writable directory, e.g. a hostPath"
              + " volume owned by the agent's user",
          e);
    }
  }

  private void deletePartials() throws IOException {
    int deleted = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(incoming)) {
      for (Path file : files) {
        if (deleteQuietly(file)) {
          deleted++;
        }
      }
    }
    if (deleted > 0) {
      log.info("Deleted {} partial blob files left in {}", deleted, incoming);
    }
  }

  private static void atomicMove(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "cannot rename "
              + from
              + " to "
              + to
              + " atomically; the blob cache needs incoming/ and blobs/ on the same file system",
          e);
    }
  }

  private static boolean deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
      return true;
    } catch (IOException e) {
      log.warn("Could not delete {}: {}", file, e.toString());
      return false;
    }
  }
}
