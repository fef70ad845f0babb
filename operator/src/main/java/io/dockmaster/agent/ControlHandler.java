package io.dockmaster.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dockmaster.cache.BlobCache;
import io.dockmaster.cache.BlobHandle;
import io.dockmaster.cache.CacheUsage;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobChecks;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.BlobVerifications;
import io.dockmaster.control.ControlPaths;
import io.dockmaster.control.InventoryQuery;
import io.dockmaster.control.PinSet;
import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferOrders;
import io.dockmaster.registry.Digest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The operator's side door into the agent (see {@link ControlPaths}): start transfers, report blob
 * states, pin blobs for an ImageMirror, configure the runtime mirror, re-check blobs a peer found
 * corrupt. The server lets only the operator's identity reach it.
 */
final class ControlHandler {

  private static final long MAX_BODY_BYTES = 8L * 1024 * 1024;

  /** A cap for any client; the operator asks to be held at most 30 s, and times out 3 s later. */
  static final long MAX_INVENTORY_WAIT_MILLIS = 60_000;

  private static final Pattern OWNER = Pattern.compile("^[A-Za-z0-9._-]{1,128}$");

  private final String node;
  private final Vertx vertx;
  private final BlobCache cache;
  private final TransferLedger ledger;
  private final TransferRunner runner;
  private final RuntimeMirrorConfig runtime;
  private final AgentMetrics metrics;
  private final MirrorBandwidth bandwidth;
  private final BlobVerifier verifier;
  private final ObjectMapper json =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  ControlHandler(
      String node,
      Vertx vertx,
      BlobCache cache,
      TransferLedger ledger,
      TransferRunner runner,
      RuntimeMirrorConfig runtime,
      AgentMetrics metrics,
      MirrorBandwidth bandwidth,
      BlobVerifier verifier) {
    this.node = node;
    this.vertx = vertx;
    this.cache = cache;
    this.ledger = ledger;
    this.runner = runner;
    this.runtime = runtime;
    this.metrics = metrics;
    this.bandwidth = bandwidth;
    this.verifier = verifier;
  }

  void handle(HttpServerRequest request) {
    String path = request.path();
    HttpMethod method = request.method();
    if (path.equals(ControlPaths.TRANSFERS) && method == HttpMethod.POST) {
      withBody(request, body -> transfers(read(body, TransferOrders.class)));
    } else if (path.equals(ControlPaths.INVENTORY) && method == HttpMethod.POST) {
      withBody(request, body -> inventory(read(body, InventoryQuery.class)));
    } else if (path.startsWith(ControlPaths.PINS + "/")
        && (method == HttpMethod.PUT || method == HttpMethod.DELETE)) {
      String owner = path.substring(ControlPaths.PINS.length() + 1);
      if (!OWNER.matcher(owner).matches()) {
        BlobResponder.error(request.response(), 400, "INVALID", "bad pin owner " + owner);
        return;
      }
      withBody(request, body -> pins(owner, method, body));
    } else if (path.equals(ControlPaths.VERIFICATIONS) && method == HttpMethod.POST) {
      withBody(request, body -> verifications(read(body, BlobVerifications.class)));
    } else if (path.equals(ControlPaths.RUNTIME) && method == HttpMethod.PUT) {
      withBody(
          request,
          body -> {
            runtime.apply(read(body, RuntimeMirrors.class));
            return null;
          });
    } else {
      BlobResponder.error(request.response(), 404, "UNSUPPORTED", method + " " + path);
    }
  }

  private AgentReport transfers(TransferOrders orders) {
    // Check every digest before starting any, so a bad order starts nothing.
    orders
        .transfers()
        .forEach(
            order -> {
              Digest.parse(order.digest());
              if (order.after() != null) {
                TransferRunner.keyOfUnit(order.after());
              }
            });
    List<String> digests = orders.transfers().stream().map(TransferOrder::unitName).toList();
    // Those that wait behind another go after every one they may wait behind is in flight.
    orders.transfers().stream().filter(order -> order.after() == null).forEach(runner::submit);
    orders.transfers().stream().filter(order -> order.after() != null).forEach(runner::submit);
    return report(digests);
  }

  /**
   * The state now, or, asked to wait past a version, once something changed: held without a thread,
   * at most {@link #MAX_INVENTORY_WAIT_MILLIS}.
   */
  private Object inventory(InventoryQuery query) {
    if (query.afterVersion() == null || query.waitMillis() == 0) {
      return report(query.digests());
    }
    long wait = Math.min(query.waitMillis(), MAX_INVENTORY_WAIT_MILLIS);
    return ledger
        .changes()
        .after(query.afterVersion(), wait)
        .thenApply(changed -> report(query.digests()));
  }

  /**
   * Answers once every blob was checked (the operator trusts the node again only after that),
   * without holding a worker thread while the verifier hashes.
   */
  private CompletionStage<Object> verifications(BlobVerifications request) {
    return verifier.verify(request).thenApply(BlobChecks::new);
  }

  private Object pins(String owner, HttpMethod method, Buffer body) throws IOException {
    if (method == HttpMethod.DELETE) {
      cache.unpin(owner);
      bandwidth.remove(owner);
      return null;
    }
    PinSet pins = read(body, PinSet.class);
    Set<Digest> digests = new LinkedHashSet<>();
    pins.digests().forEach(d -> digests.add(Digest.parse(d)));
    cache.pin(owner, digests);
    bandwidth.set(owner, pins.uploadBytesPerSecond(), pins.downloadBytesPerSecond(), digests);
    return null;
  }

  AgentReport report(List<String> digests) {
    // Read first: a change while the states are gathered then shows as a newer version.
    long version = ledger.changes().version();
    List<BlobState> states = digests.stream().map(this::stateOf).toList();
    CacheUsage usage = cache.usage();
    return new AgentReport(
        node,
        states,
        metrics.bytesFromUpstream(),
        metrics.bytesFromPeers(),
        metrics.bytesServedToPeers(),
        usage.usedBytes(),
        usage.capacityBytes(),
        version);
  }

  /**
   * A blob's state, or a piece's: complete once its bytes are all here and no transfer of it is
   * still in flight (the last piece's transfer ends only after its blob was verified whole).
   */
  private BlobState stateOf(String name) {
    if (!BlobPiece.isPieceName(name)) {
      Digest digest = Digest.parse(name);
      return cache.isComplete(digest) ? complete(name, digest) : ledger.stateOf(digest);
    }
    BlobPiece piece = BlobPiece.parse(name);
    if (cache.isComplete(piece.blob())
        || (!ledger.isInFlight(piece.key())
            && cache.find(piece.key()).map(BlobHandle::isComplete).orElse(false))) {
      return new BlobState(name, BlobState.Phase.COMPLETE, piece.length(), null, null, null);
    }
    return ledger.stateOf(piece.key()).named(name);
  }

  private BlobState complete(String name, Digest digest) {
    long size = cache.find(digest).map(h -> h.size()).orElse(0L);
    return new BlobState(name, BlobState.Phase.COMPLETE, size, null, null, null);
  }

  private <T> T read(Buffer body, Class<T> type) throws IOException {
    return json.readValue(body.getBytes(), type);
  }

  @FunctionalInterface
  private interface BodyAction {
    Object apply(Buffer body) throws Exception;
  }

  private void withBody(HttpServerRequest request, BodyAction action) {
    String length = request.getHeader("Content-Length");
    if (length != null && parseLong(length) > MAX_BODY_BYTES) {
      BlobResponder.error(request.response(), 413, "TOO_LARGE", "body over " + MAX_BODY_BYTES);
      return;
    }
    request
        .body()
        .onFailure(e -> BlobResponder.error(request.response(), 400, "INVALID", e.toString()))
        .onSuccess(
            body ->
                vertx
                    .<Object>executeBlocking(() -> action.apply(body), false)
                    .onSuccess(result -> answerWhenDone(request, result))
                    .onFailure(e -> refuse(request, e)));
  }

  /** A result still in progress is answered when it completes, on the request's context. */
  private void answerWhenDone(HttpServerRequest request, Object result) {
    if (!(result instanceof CompletionStage<?> pending)) {
      answer(request, result);
      return;
    }
    Context context = vertx.getOrCreateContext();
    pending.whenComplete(
        (done, e) ->
            context.runOnContext(
                v -> {
                  if (e != null) {
                    refuse(request, e instanceof CompletionException ? e.getCause() : e);
                  } else {
                    answer(request, done);
                  }
                }));
  }

  private void answer(HttpServerRequest request, Object result) {
    if (result == null) {
      request.response().setStatusCode(204).end();
      return;
    }
    try {
      request
          .response()
          .putHeader("Content-Type", "application/json")
          .end(Buffer.buffer(json.writeValueAsBytes(result)));
    } catch (IOException e) {
      refuse(request, e);
    }
  }

  private static void refuse(HttpServerRequest request, Throwable e) {
    boolean badInput =
        e instanceof IllegalArgumentException
            || e instanceof com.fasterxml.jackson.core.JacksonException;
    BlobResponder.error(
        request.response(),
        badInput ? 400 : 500,
        badInput ? "INVALID" : "INTERNAL",
        e.getMessage() == null ? e.toString() : e.getMessage());
  }

  private static long parseLong(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
