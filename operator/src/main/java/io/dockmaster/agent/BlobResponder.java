package io.dockmaster.agent;

import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobHandle;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.registry.Digest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI distribution read API over the cache: {@code GET/HEAD /v2/<name>/blobs/<digest>} and
 * {@code /v2/<name>/manifests/<digest-or-tag>}, with single byte ranges. Content is found by digest
 * alone, whatever repository the client names. A blob still arriving is streamed as it arrives; if
 * its write fails the response is cut off, so a client never mistakes a partial body for the blob
 * (it also verifies the digest itself).
 */
final class BlobResponder {

  private static final Logger log = LoggerFactory.getLogger(BlobResponder.class);
  private static final Pattern PATH =
      Pattern.compile("^/v2/(.+)/(blobs|manifests)/([A-Za-z0-9_+.:=-]+)$");
  private static final int CHUNK_BYTES = 64 * 1024;
  private static final String OCTET_STREAM = "application/octet-stream";

  /**
   * The query parameter by which a peer asks, with {@link #UNPACED}, that this node not hold its
   * own transfer of a blob to that peer's pace (see {@code TransferOrder#slowReceiver}).
   */
  static final String PACE = "pace";

  static final String UNPACED = "none";

  /**
   * The query parameter, {@code <offset>+<length>}, by which a peer asks for a byte-range piece of
   * a blob: served from this node's copy of that piece while it arrives, or from the complete blob.
   */
  static final String PIECE = "piece";

  private final BlobCache cache;
  private final TransferLedger ledger;
  private final RuntimeTags tags;
  private final MirrorBandwidth bandwidth;
  private final AgentMetrics metrics;
  private final ExecutorService streams;
  private final long peerWaitMillis;
  private final ByteBufAllocator buffers;

  BlobResponder(
      BlobCache cache,
      TransferLedger ledger,
      RuntimeTags tags,
      MirrorBandwidth bandwidth,
      AgentMetrics metrics,
      ExecutorService streams,
      long peerWaitMillis,
      ByteBufAllocator buffers) {
    this.cache = cache;
    this.ledger = ledger;
    this.tags = tags;
    this.bandwidth = bandwidth;
    this.metrics = metrics;
    this.streams = streams;
    this.peerWaitMillis = peerWaitMillis;
    this.buffers = buffers;
  }

  /**
   * @param peer who asks, as its certificate names it, when a peer agent asks (upload cap applies;
   *     waits briefly for a blob about to arrive); empty for the local container runtime (answered
   *     at once, found or not)
   */
  void handle(HttpServerRequest request, Optional<String> peer) {
    HttpServerResponse response = request.response();
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      error(response, 405, "UNSUPPORTED", "this mirror is read-only: GET and HEAD only");
      return;
    }
    String path = request.path();
    if (path.equals("/v2/") || path.equals("/v2")) {
      response.putHeader("Docker-Distribution-API-Version", "registry/2.0").end("{}");
      return;
    }
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      error(response, 404, "NAME_UNKNOWN", "not an OCI distribution read path: " + path);
      return;
    }
    boolean manifest = m.group(2).equals("manifests");
    Optional<Digest> digest = digestOf(m.group(3), m.group(1), request.getParam("ns"), manifest);
    if (digest.isEmpty()) {
      if (peer.isEmpty()) {
        metrics.runtimeLookup(manifest, false);
      }
      error(
          response,
          404,
          manifest ? "MANIFEST_UNKNOWN" : "BLOB_UNKNOWN",
          "not a digest, or a tag this agent was not told about: " + m.group(3));
      return;
    }
    Optional<BlobPiece> piece;
    try {
      piece = pieceOf(digest.get(), manifest ? null : request.getParam(PIECE));
    } catch (IllegalArgumentException e) {
      error(response, 400, "RANGE_INVALID", e.getMessage());
      return;
    }
    Optional<BlobHandle> found = find(digest.get(), piece);
    if (found.isEmpty() && peer.isPresent()) {
      // The operator only names this agent as a source once it was told to fetch the blob, and
      // orders travel separately: the write is about to start, so wait (off the event loop)
      // rather than fail the pipeline.
      submit(response, () -> waitThenServe(request, digest.get(), piece, manifest, peer));
      return;
    }
    if (peer.isEmpty()) {
      metrics.runtimeLookup(manifest, found.isPresent());
    }
    serve(request, digest.get(), piece, found, manifest, peer);
  }

  private static Optional<BlobPiece> pieceOf(Digest digest, String param) {
    return param == null ? Optional.empty() : Optional.of(BlobPiece.parse(digest + "@" + param));
  }

  /** A piece is served from this node's copy of it, or from the complete blob. */
  private Optional<BlobHandle> find(Digest digest, Optional<BlobPiece> piece) {
    if (piece.isEmpty()) {
      return cache.find(digest);
    }
    return cache
        .find(piece.get().key())
        .or(() -> cache.find(digest).filter(BlobHandle::isComplete));
  }

  private Optional<Digest> digestOf(String ref, String repository, String ns, boolean manifest) {
    if (ref.contains(":")) {
      try {
        return Optional.of(Digest.parse(ref));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return manifest ? tags.lookup(ns, repository, ref) : Optional.empty();
  }

  private void waitThenServe(
      HttpServerRequest request,
      Digest digest,
      Optional<BlobPiece> piece,
      boolean manifest,
      Optional<String> peer) {
    Digest key = piece.map(BlobPiece::key).orElse(digest);
    ledger.peerAsks(key);
    try {
      ledger.awaitWriteStarted(key, peerWaitMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    serve(request, digest, piece, find(digest, piece), manifest, peer);
  }

  private void serve(
      HttpServerRequest request,
      Digest digest,
      Optional<BlobPiece> piece,
      Optional<BlobHandle> found,
      boolean manifest,
      Optional<String> peer) {
    HttpServerResponse response = request.response();
    if (found.isEmpty()) {
      error(
          response,
          404,
          manifest ? "MANIFEST_UNKNOWN" : "BLOB_UNKNOWN",
          piece.map(p -> "piece " + p).orElse(digest.toString()) + " is not in this node's cache");
      return;
    }
    BlobHandle blob = found.get();
    // The piece's own copy counts its bytes from the piece's first; its blob's size is not known
    // here.
    boolean ownPiece = piece.isPresent() && !blob.digest().equals(digest);
    long base = ownPiece ? piece.get().offset() : 0;
    long end = piece.map(BlobPiece::end).orElse(blob.size());
    String total = ownPiece ? "*" : Long.toString(blob.size());
    Optional<ByteRange> range;
    try {
      range = ByteRange.parse(request.getHeader("Range"), end);
      if (piece.isPresent()) {
        range = Optional.of(within(range, piece.get()));
      }
    } catch (ByteRange.Unsatisfiable e) {
      response.putHeader("Content-Range", "bytes */" + total);
      error(response, 416, "RANGE_INVALID", e.getMessage());
      return;
    }
    String type = blob.mediaType().orElse(OCTET_STREAM);
    response
        .putHeader("Docker-Content-Digest", digest.toString())
        .putHeader("Content-Type", type)
        .putHeader("Accept-Ranges", "bytes")
        .putHeader("ETag", "\"" + digest + "\"");
    long offset = range.map(ByteRange::offset).orElse(0L);
    long length = range.map(ByteRange::length).orElse(blob.size());
    range.ifPresent(
        r -> response.setStatusCode(206).putHeader("Content-Range", r.contentRange(total)));
    response.putHeader("Content-Length", Long.toString(length));
    if (request.method() == HttpMethod.HEAD || length == 0) {
      response.end();
      return;
    }
    // A peer the operator measured slow asks not to be kept pace with: it would hold the tree.
    boolean relay = peer.isPresent() && !UNPACED.equals(request.getParam(PACE));
    submit(response, () -> stream(response, blob, digest, offset - base, length, peer, relay));
  }

  /** The range asked for a piece, or the whole piece; a range reaching outside it is refused. */
  private static ByteRange within(Optional<ByteRange> asked, BlobPiece piece)
      throws ByteRange.Unsatisfiable {
    ByteRange range = asked.orElse(new ByteRange(piece.offset(), piece.length()));
    if (range.offset() < piece.offset()) {
      throw new ByteRange.Unsatisfiable(
          "range from byte " + range.offset() + " starts before piece " + piece);
    }
    return range;
  }

  private void submit(HttpServerResponse response, Runnable task) {
    try {
      streams.execute(task);
    } catch (RejectedExecutionException e) {
      response.putHeader("Retry-After", "1");
      error(response, 503, "UNAVAILABLE", "too many streams in progress on this agent");
    }
  }

  private void stream(
      HttpServerResponse response,
      BlobHandle blob,
      Digest digest,
      long offset,
      long length,
      Optional<String> peer,
      boolean relay) {
    boolean forPeer = peer.isPresent();
    long sent = 0;
    // A peer relays the blob onward: while it arrives here, this node reads its own source no
    // faster than the slowest such peer takes it (see BlobWrite#awaitRelays).
    try (ReadableByteChannel in =
        relay
            ? blob.openRelayChannel(offset, length, peer.get())
            : blob.openChannel(offset, length)) {
      // A reader of a blob still arriving blocks until bytes come; the transfer's own stall
      // watchdog aborts the write if they stop, which ends this read with an error.
      ResponseOutlet outlet = new ResponseOutlet(response);
      if (blob.available() < offset + Math.min(length, CHUNK_BYTES)) {
        // The first bytes are still on their way from this node's own source, which may be slow to
        // start (an upstream shared by every seed, a relay waiting in turn). Answer now: the asker
        // waits only so long for an answer, and a body that stops is the stall watchdog's case.
        response.writeHead();
      }
      while (sent < length) {
        int wanted = (int) Math.min(CHUNK_BYTES, length - sent);
        // Straight from the file into pooled direct memory, which the TLS engine encrypts as it
        // is: no heap array to fill, copy and zero for every chunk.
        ByteBuf chunk = buffers.directBuffer(wanted);
        int n;
        try {
          n = in.read(chunk.nioBuffer(0, wanted));
          if (n < 0) {
            throw new IOException("the cache ended the blob after " + sent + " of " + length);
          }
          chunk.writerIndex(n);
          if (forPeer) {
            bandwidth.acquireUpload(digest, n);
          }
        } catch (IOException | InterruptedException | RuntimeException e) {
          chunk.release();
          throw e;
        }
        outlet.write(chunk);
        sent += n;
        metrics.served(forPeer, n);
      }
      response.end();
    } catch (IOException | IllegalStateException | IllegalArgumentException e) {
      // Cut the connection: with Content-Length already sent, the client sees a short body.
      log.debug("stopped serving a blob after {} of {} bytes: {}", sent, length, e.toString());
      response.reset();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.reset();
    }
  }

  static void error(HttpServerResponse response, int status, String code, String message) {
    String body =
        "{\"errors\":[{\"code\":\""
            + code
            + "\",\"message\":\""
            + message.replace("\\", "\\\\").replace("\"", "\\\"")
            + "\"}]}";
    response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
  }
}
