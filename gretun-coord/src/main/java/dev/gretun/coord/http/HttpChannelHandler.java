package dev.gretun.coord.http;

import dev.gretun.coord.metrics.CoordMetrics;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
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
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty side of one connection: turns complete requests into {@link ApiRequest}s, answers them in
 * order (pipelined requests wait for the previous reply), answers decoder failures with a JSON 4xx
 * and closes, and closes idle connections that have no request in progress.
 */
final class HttpChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(HttpChannelHandler.class);

  private final CoordApi api;
  private final CoordMetrics metrics;
  private final AtomicInteger inFlight;
  private final java.util.function.BooleanSupplier draining;
  private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
  private boolean busy;

  HttpChannelHandler(
      CoordApi api,
      CoordMetrics metrics,
      AtomicInteger inFlight,
      java.util.function.BooleanSupplier draining) {
    this.api = api;
    this.metrics = metrics;
    this.inFlight = inFlight;
    this.draining = draining;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    pending.addLast(req.retain());
    if (!busy) {
      next(ctx);
    }
  }

  private void next(ChannelHandlerContext ctx) {
    FullHttpRequest req = pending.pollFirst();
    if (req == null) {
      busy = false;
      return;
    }
    busy = true;
    try {
      DecoderResult dr = req.decoderResult();
      if (dr.isFailure()) {
        writeFailure(ctx, dr.cause());
        return;
      }
      ApiRequest ar = toApiRequest(ctx, req);
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      String route = CoordApi.route(ar.path());
      inFlight.incrementAndGet();
      api.handle(ar)
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
                            metrics.request(route, r.status());
                            write(ctx, r, keepAlive && !draining.getAsBoolean());
                          }));
    } catch (IllegalArgumentException badTarget) {
      metrics.request("other", 400);
      write(ctx, ApiResponse.error(400, "bad_request", "malformed request target"), false);
    } finally {
      req.release();
    }
  }

  private static ApiRequest toApiRequest(ChannelHandlerContext ctx, FullHttpRequest req) {
    QueryStringDecoder q = new QueryStringDecoder(req.uri());
    String path = q.path();
    var params = q.parameters();
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
      ctx.writeAndFlush(resp)
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
      ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void drainPending() {
    FullHttpRequest r;
    while ((r = pending.pollFirst()) != null) {
      r.release();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
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
        "connection_error remote={} error=\"{}\"", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
