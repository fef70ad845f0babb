package io.dockmaster.registry;

import io.dockmaster.streaming.StreamedBody;
import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A response body of the JDK's HTTP client read as a blocking stream that keeps reading the
 * connection ahead of its reader, up to {@link #READ_AHEAD_BYTES}. {@code
 * BodySubscribers.ofInputStream()} asks for the next piece only once its reader took the last one,
 * so every socket read waits for the reading thread to be scheduled: on a busy node the receive
 * window closes while the link could carry more, which on the 20-node lab held every seed's
 * upstream download to 10–17 Mbit/s with a zero window for its first seconds. Here the client's own
 * threads keep asking while the body has room, and TCP still holds the sender back once it is full.
 */
final class ReadAheadBody implements HttpResponse.BodySubscriber<InputStream>, StreamedBody.Source {

  static final long READ_AHEAD_BYTES = 1024 * 1024;

  private final StreamedBody body;
  private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();

  /** A piece was asked for and has not come yet: at most one is outstanding. */
  private final AtomicBoolean asked = new AtomicBoolean();

  private volatile boolean paused;

  ReadAheadBody() {
    this(READ_AHEAD_BYTES);
  }

  ReadAheadBody(long readAheadBytes) {
    this.body = new StreamedBody(this, readAheadBytes, readAheadBytes / 4);
  }

  @Override
  public CompletionStage<InputStream> getBody() {
    return CompletableFuture.completedStage(body);
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription.complete(subscription);
    ask();
  }

  @Override
  public void onNext(List<ByteBuffer> pieces) {
    asked.set(false);
    boolean more = true;
    for (ByteBuffer piece : pieces) {
      // The client hands each buffer over for good: wrapped, not copied.
      more = body.arrived(Unpooled.wrappedBuffer(piece));
    }
    if (more) {
      ask();
    }
  }

  @Override
  public void onError(Throwable cause) {
    body.failed(cause);
  }

  @Override
  public void onComplete() {
    body.ended();
  }

  @Override
  public void pause() {
    paused = true;
  }

  @Override
  public void resume() {
    paused = false;
    ask();
  }

  /** Cancelling the response closes its connection. */
  @Override
  public void abort() {
    subscription.thenAccept(Flow.Subscription::cancel);
  }

  private void ask() {
    Flow.Subscription current = subscription.getNow(null);
    if (current != null && !paused && asked.compareAndSet(false, true)) {
      current.request(1);
    }
  }
}
