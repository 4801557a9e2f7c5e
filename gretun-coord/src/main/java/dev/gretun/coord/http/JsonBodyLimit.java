package dev.gretun.coord.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Aggregates request bodies up to the limit; a larger body gets a JSON 413 and the connection
 * closes.
 */
final class JsonBodyLimit extends HttpObjectAggregator {
  private final int maxBytes;
  private final Consumer<Integer> onRefused;

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
    ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
  }
}
