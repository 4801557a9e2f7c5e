package dev.gretun.coord.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Aggregates request bodies up to the limit; a larger body gets a JSON 413 and the connection
 * closes once the rest of that body has arrived (at most {@link #DRAIN_MILLIS} later). Closing at
 * once makes the client's still-running body write fail with a broken pipe, and HTTP clients then
 * report that instead of the 413 (RFC 9112 §9.6: close in stages).
 */
final class JsonBodyLimit extends HttpObjectAggregator {
  static final long DRAIN_MILLIS = 2_000;
  private final int maxBytes;
  private final Consumer<Integer> onRefused;
  private boolean draining;

  JsonBodyLimit(int maxBytes, Consumer<Integer> onRefused) {
    super(maxBytes);
    this.maxBytes = maxBytes;
    this.onRefused = onRefused;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    byte[] body =
        ("{\"error\":\"request body larger than "
                + maxBytes
                + " bytes\",\"code\":\"body_too_large\"}")
            .getBytes(StandardCharsets.UTF_8);
    var resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            Unpooled.wrappedBuffer(body));
    resp.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, ApiResponse.JSON_TYPE)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    onRefused.accept(413);
    draining = true;
    ctx.writeAndFlush(resp);
    ctx.executor().schedule(() -> ctx.close(), DRAIN_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (!draining) {
      super.channelRead(ctx, msg);
      return;
    }
    boolean last = msg instanceof LastHttpContent;
    ReferenceCountUtil.release(msg);
    if (last) {
      ctx.close();
    }
  }
}
