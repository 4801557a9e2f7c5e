package dev.gretun.coord.http;

import dev.gretun.coord.metrics.CoordMetrics;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty side of one connection: turns complete requests into {@link ApiRequest}s and answers them
 * in order (a pipelined request waits for the previous reply to be written). At most {@code
 * maxQueued} requests wait behind the one being answered; while that queue is full or the reply
 * does not drain (channel not writable), the connection is not read, so a client that never reads
 * its replies pins a few requests, not an unbounded pile. Requests decoded past a full queue get a
 * JSON 429 (after the queued replies) and the connection closes. Decoder failures get a JSON 4xx
 * and close; an incomplete request past its deadline gets a 408; idle connections with nothing in
 * progress close. A held long-poll keeps the connection read, so a client that gives up on it is
 * noticed.
 */
final class HttpChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(HttpChannelHandler.class);
  static final long LINGER_MILLIS = 2_000;

  private final HttpRoutes routes;
  private final CoordMetrics metrics;
  private final ConnectionMetrics connections;
  private final AtomicInteger inFlight;
  private final BooleanSupplier draining;
  private final RequestDeadline deadline;
  private final int maxQueued;
  private final long writeTimeoutNanos;
  private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
  private boolean busy;
  private boolean overflowed;
  private boolean lingering;

  HttpChannelHandler(
      HttpRoutes routes,
      CoordMetrics metrics,
      ConnectionMetrics connections,
      AtomicInteger inFlight,
      BooleanSupplier draining,
      RequestDeadline deadline,
      int maxQueued,
      Duration writeTimeout) {
    this.routes = routes;
    this.metrics = metrics;
    this.connections = connections;
    this.inFlight = inFlight;
    this.draining = draining;
    this.deadline = deadline;
    this.maxQueued = maxQueued;
    this.writeTimeoutNanos = writeTimeout.toNanos();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    deadline.requestComplete();
    if (overflowed) {
      return; // released by SimpleChannelInboundHandler
    }
    if (busy && pending.size() >= maxQueued) {
      overflowed = true;
      connections.closed(ConnectionMetrics.Close.PIPELINE_OVERFLOW);
      updateReading(ctx);
      return;
    }
    pending.addLast(req.retain());
    if (busy) {
      updateReading(ctx);
    } else {
      next(ctx);
    }
  }

  /** Reads while the queue has room, the reply drains and no overflow is being answered. */
  private void updateReading(ChannelHandlerContext ctx) {
    if (lingering) {
      return;
    }
    boolean read = !overflowed && pending.size() < maxQueued && ctx.channel().isWritable();
    var config = ctx.channel().config();
    if (config.isAutoRead() != read) {
      config.setAutoRead(read);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    updateReading(ctx);
    super.channelWritabilityChanged(ctx);
  }

  private void next(ChannelHandlerContext ctx) {
    FullHttpRequest req = pending.pollFirst();
    if (req == null) {
      busy = false;
      if (overflowed) {
        busy = true;
        metrics.request("other", 429);
        write(
            ctx,
            ApiResponse.error(
                429,
                "too_many_pipelined",
                "more than " + maxQueued + " pipelined requests waiting; read the replies first"),
            false);
      }
      return;
    }
    busy = true;
    updateReading(ctx);
    try {
      DecoderResult dr = req.decoderResult();
      if (dr.isFailure()) {
        writeFailure(ctx, dr.cause());
        return;
      }
      ApiRequest ar = toApiRequest(ctx, req);
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      String route = routes.label(ar.path());
      long started = System.nanoTime();
      inFlight.incrementAndGet();
      routes
          .handle(ar)
          .whenComplete(
              (resp, err) ->
                  ctx.executor()
                      .execute(
                          () -> {
                            inFlight.decrementAndGet();
                            ApiResponse r =
                                resp != null
                                    ? resp
                                    : ApiResponse.error(500, "internal", "internal error");
                            metrics.request(
                                route, r.status(), Duration.ofNanos(System.nanoTime() - started));
                            write(ctx, r, keepAlive && !draining.getAsBoolean());
                          }));
    } catch (IllegalArgumentException badTarget) {
      metrics.request("other", 400);
      write(
          ctx,
          ApiResponse.error(
              400, "bad_request", "malformed request target: " + badTarget.getMessage()),
          false);
    } finally {
      req.release();
    }
  }

  private static ApiRequest toApiRequest(ChannelHandlerContext ctx, FullHttpRequest req) {
    String path = RequestPath.of(req.uri());
    var params = new QueryStringDecoder(req.uri()).parameters();
    var headers = req.headers();
    return new ApiRequest(
        req.method().name(),
        req.uri(),
        path,
        params,
        headers::get,
        ByteBufUtil.getBytes(req.content()),
        ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null);
  }

  private void writeFailure(ChannelHandlerContext ctx, Throwable cause) {
    ApiResponse r;
    if (cause instanceof TooLongHttpHeaderException) {
      r = ApiResponse.error(431, "headers_too_large", "request headers too large");
    } else if (cause instanceof TooLongHttpLineException) {
      r = ApiResponse.error(414, "uri_too_long", "request line too long");
    } else if (cause instanceof TooLongFrameException) {
      r = ApiResponse.error(400, "bad_request", "request too large");
    } else {
      r = ApiResponse.error(400, "bad_request", "malformed HTTP request");
    }
    metrics.request("other", r.status());
    write(ctx, r, false);
  }

  private void write(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive) {
    if (!ctx.channel().isActive()) {
      drainPending();
      return;
    }
    FullHttpResponse resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(r.status()),
            Unpooled.wrappedBuffer(r.body()));
    var h = resp.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    for (Map.Entry<String, String> e : r.headers().entrySet()) {
      h.set(e.getKey(), e.getValue());
    }
    if (keepAlive) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      timed(ctx, ctx.writeAndFlush(resp))
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  next(ctx);
                } else {
                  ctx.close();
                }
              });
    } else {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      drainPending();
      if (overflowed) {
        timed(ctx, ctx.writeAndFlush(resp)).addListener(f -> linger(ctx));
      } else {
        timed(ctx, ctx.writeAndFlush(resp)).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }

  /**
   * Closes the connection if {@code write} has not completed within the write timeout. Most replies
   * are in the socket by the time writeAndFlush returns; only those that are not get a timer, so
   * the common path schedules nothing.
   */
  private ChannelFuture timed(ChannelHandlerContext ctx, ChannelFuture write) {
    if (!write.isDone()) {
      ScheduledFuture<?> timer =
          ctx.executor()
              .schedule(
                  () -> {
                    if (!write.isDone()) {
                      connections.closed(ConnectionMetrics.Close.WRITE_TIMEOUT);
                      LOG.debug("write_timeout remote={}", ctx.channel().remoteAddress());
                      ctx.close();
                    }
                  },
                  writeTimeoutNanos,
                  TimeUnit.NANOSECONDS);
      write.addListener(f -> timer.cancel(false));
    }
    return write;
  }

  /**
   * Closes in stages after the 429 (RFC 9112 §9.6): FIN after the reply, then discard what the
   * client still sends until it closes too, or {@link #LINGER_MILLIS} at most. Closing with its
   * unread requests in our receive buffer would send a RST, and the client's TCP stack would drop
   * the 429 before the client read it.
   */
  private void linger(ChannelHandlerContext ctx) {
    if (!(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()) {
      ctx.close();
      return;
    }
    lingering = true;
    duplex.shutdownOutput();
    duplex.config().setAutoRead(true);
    ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void drainPending() {
    FullHttpRequest r;
    while ((r = pending.pollFirst()) != null) {
      r.release();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == RequestDeadline.EXPIRED) {
      connections.closed(ConnectionMetrics.Close.REQUEST_TIMEOUT);
      if (busy) {
        ctx.close();
      } else {
        busy = true;
        metrics.request("other", 408);
        write(
            ctx, ApiResponse.error(408, "request_timeout", "request not complete in time"), false);
      }
      return;
    }
    if (evt instanceof IdleStateEvent && !busy) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    drainPending();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug(
        "connection_error remote={} error={}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
