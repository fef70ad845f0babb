package io.dockmaster.agent;

import io.dockmaster.peering.PeerName;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.status.ErrorMessages;
import io.dockmaster.streaming.StreamedBody;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GETs blobs from peer agents over mutual TLS, one connection per request, on the event loops of
 * the agent's Vert.x (netty underneath, TLS natively where {@link PeerTls} found OpenSSL), handing
 * the body to the transfer thread as a blocking stream. Plain netty rather than Vert.x's client:
 * Vert.x copies every inbound piece of a body from pooled direct memory into a new heap array
 * before a handler sees it (3.3% of all CPU in a profile of the 20-node lab's warm run); here the
 * decrypted pieces go to the transfer thread as they are. A blob takes seconds to minutes, so a
 * handshake per request costs nothing worth a pool, and a body read halfway never leaves a
 * connection to reuse.
 */
public final class PeerBlobClient implements BlobSources.PeerBlobs, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PeerBlobClient.class);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** From the connect to the request sent: a TCP connect (5 s at most) and a TLS handshake. */
  private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(15);

  /** The decoder hands a body over in pieces of what one read brought, never split below this. */
  private static final int MAX_BODY_PIECE_BYTES = 1024 * 1024;

  /**
   * Body bytes queued for the transfer thread before the connection stops reading: enough to ride
   * out a few milliseconds without the CPU at 100 Mbit/s, little enough for hundreds of transfers.
   */
  private static final long BODY_HIGH_WATER = 512 * 1024;

  private static final long BODY_LOW_WATER = 128 * 1024;

  private static final int MAX_STATUS_LINE_BYTES = 4096;
  private static final int MAX_HEADER_BYTES = 8192;

  private final Bootstrap bootstrap;
  private final SslContext ssl;
  private final Duration responseTimeout;
  private final Duration idleTimeout;
  private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

  /**
   * @param responseTimeout for the answer's status and headers once the request is sent
   * @param stallTimeout the transfers' stall watchdog, which watches the body: a peer relaying a
   *     blob it is still receiving may pause that long, so the connection's idle timeout is twice
   *     it, a backstop for a request nobody reads any more
   */
  public PeerBlobClient(Vertx vertx, PeerTls tls, Duration responseTimeout, Duration stallTimeout) {
    this.ssl = tls.nettyAgentClientContext();
    this.responseTimeout = responseTimeout;
    this.idleTimeout = stallTimeout.multipliedBy(2);
    this.bootstrap =
        new Bootstrap()
            .group(vertx.nettyEventLoopGroup())
            .channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
            .option(ChannelOption.TCP_NODELAY, true);
  }

  @Override
  public PeerAnswer get(String node, String uri, long offset, long last)
      throws IOException, InterruptedException {
    URI target = URI.create(uri);
    if (!"https".equals(target.getScheme()) || target.getHost() == null) {
      throw new IOException("not an https address of an agent: " + uri);
    }
    String host = target.getHost();
    int port = target.getPort() == -1 ? 443 : target.getPort();
    Exchange exchange = new Exchange(PeerName.agent(node), request(target, offset, last));
    ChannelFuture connecting =
        bootstrap
            .clone()
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channel
                        .pipeline()
                        .addLast(
                            ssl.newHandler(channel.alloc(), host, port),
                            new HttpClientCodec(
                                MAX_STATUS_LINE_BYTES, MAX_HEADER_BYTES, MAX_BODY_PIECE_BYTES),
                            new IdleStateHandler(
                                0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS),
                            exchange);
                  }
                })
            .connect(host, port);
    Channel channel = connecting.channel();
    open.add(channel);
    connecting.addListener(
        connected -> {
          if (!connected.isSuccess()) {
            exchange.failed(
                new IOException(
                    "cannot connect to " + host + ":" + port + ": " + connected.cause(),
                    connected.cause()));
          }
        });
    try {
      try {
        exchange.sent.get(CONNECTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        abandon(exchange, channel);
        throw new IOException("no connection within " + CONNECTION_TIMEOUT.toSeconds() + "s");
      } catch (ExecutionException failedToConnect) {
        // The answer holds the same failure.
      }
      return exchange.answer.get(responseTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      abandon(exchange, channel);
      throw new IOException("no answer within " + responseTimeout.toSeconds() + "s");
    } catch (InterruptedException e) {
      abandon(exchange, channel);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(ErrorMessages.of(cause), cause);
    }
  }

  private static HttpRequest request(URI target, long offset, long last) {
    String path =
        target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    HttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set(HttpHeaderNames.HOST, target.getRawAuthority());
    if (offset > 0 || last >= 0) {
      request
          .headers()
          .set(HttpHeaderNames.RANGE, "bytes=" + offset + "-" + (last >= 0 ? last : ""));
    }
    return request;
  }

  /** Nobody waits for this answer any more: its connection is closed, whatever state it is in. */
  private static void abandon(Exchange exchange, Channel channel) {
    if (!exchange.answer.completeExceptionally(new InterruptedIOException("abandoned"))) {
      exchange.answer.thenAccept(late -> closeQuietly(late.body()));
    }
    channel.close();
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // A body nobody reads; closing it closes its connection.
    }
  }

  @Override
  public void close() {
    open.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    // OpenSSL's context holds native memory until released; the JDK's is not reference counted.
    ReferenceCountUtil.release(ssl);
  }

  /**
   * One request and its response on a connection of its own, on that connection's event loop:
   * checks who answered the handshake, sends the request, and feeds the body as it arrives.
   */
  private final class Exchange extends ChannelInboundHandlerAdapter {

    private final PeerName expected;
    private final HttpRequest request;
    final CompletableFuture<Void> sent = new CompletableFuture<>();
    final CompletableFuture<PeerAnswer> answer = new CompletableFuture<>();
    private StreamedBody body;
    private boolean ended;

    Exchange(PeerName expected, HttpRequest request) {
      this.expected = expected;
      this.request = request;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event instanceof SslHandshakeCompletionEvent handshake) {
        if (!handshake.isSuccess()) {
          failed(ctx, handshake.cause());
          return;
        }
        try {
          PeerTls.requireReached(
              ctx.pipeline().get(SslHandler.class).engine().getSession(), expected);
        } catch (SSLPeerUnverifiedException e) {
          failed(ctx, new IOException(ctx.channel().remoteAddress() + " " + e.getMessage()));
          return;
        }
        if (answer.isDone()) {
          // Abandoned while connecting: never sent, so never left hanging.
          ctx.close();
          return;
        }
        ctx.writeAndFlush(request)
            .addListener(
                written -> {
                  if (written.isSuccess()) {
                    sent.complete(null);
                  } else {
                    failed(ctx, written.cause());
                  }
                });
      } else if (event instanceof IdleStateEvent) {
        failed(ctx, new IOException("nothing moved for " + idleTimeout.toSeconds() + "s"));
      } else {
        super.userEventTriggered(ctx, event);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      if (message instanceof HttpObject decoded && decoded.decoderResult().isFailure()) {
        ReferenceCountUtil.release(message);
        failed(ctx, new IOException("not an HTTP answer: " + decoded.decoderResult().cause()));
        return;
      }
      if (message instanceof HttpResponse response) {
        body =
            new StreamedBody(new ConnectionReads(ctx.channel()), BODY_HIGH_WATER, BODY_LOW_WATER);
        if (!answer.complete(
            new PeerAnswer(
                response.status().code(),
                Optional.ofNullable(response.headers().get(HttpHeaderNames.CONTENT_RANGE)),
                body))) {
          body.close();
        }
      }
      if (message instanceof HttpContent content) {
        if (body == null) {
          content.release();
          return;
        }
        body.arrived(content.content());
        if (message instanceof LastHttpContent) {
          ended = true;
          body.ended();
          // One request per connection.
          ctx.close();
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("request to {} failed: {}", expected, cause.toString());
      failed(ctx, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!ended) {
        failed(
            ctx,
            new IOException(
                body == null
                    ? "the connection closed before an answer"
                    : "the connection closed before the end of the body"));
      }
    }

    void failed(Throwable cause) {
      sent.completeExceptionally(cause);
      answer.completeExceptionally(cause);
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
      failed(cause);
      if (body != null) {
        body.failed(cause);
      }
      ctx.close();
    }
  }

  /** A connection as a body's source: pausing stops reading its socket, so TCP holds the sender. */
  private record ConnectionReads(Channel channel) implements StreamedBody.Source {
    @Override
    public void pause() {
      channel.config().setAutoRead(false);
    }

    @Override
    public void resume() {
      channel.config().setAutoRead(true);
    }

    @Override
    public void abort() {
      channel.close();
    }
  }
}
