package dev.gretun.coord.http;

import dev.gretun.coord.CoordConfig;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.tls.ServerTls;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The handlers of one accepted connection, in order: TLS (unless plain HTTP), connection caps
 * (checked here, at accept), request deadline, idle timeout, HTTP codec, body limit, request
 * handler (which also times its writes). A connection over a cap gets a JSON 503 and is closed
 * without reading anything.
 */
final class HttpPipeline extends ChannelInitializer<SocketChannel> {
  private final CoordConfig.Limits limits;
  private final HttpRoutes routes;
  private final CoordMetrics metrics;
  private final ConnectionCaps caps;
  private final ConnectionMetrics connections;
  private final AtomicInteger inFlight;
  private final BooleanSupplier draining;
  private final ChannelGroup channels;
  private final ServerTls tls;

  HttpPipeline(
      CoordConfig.Limits limits,
      HttpRoutes routes,
      CoordMetrics metrics,
      ConnectionCaps caps,
      ConnectionMetrics connections,
      AtomicInteger inFlight,
      BooleanSupplier draining,
      ChannelGroup channels,
      ServerTls tls) {
    this.limits = limits;
    this.routes = routes;
    this.metrics = metrics;
    this.caps = caps;
    this.connections = connections;
    this.inFlight = inFlight;
    this.draining = draining;
    this.channels = channels;
    this.tls = tls;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    tls.install(ch); // first: even a refusal at accept is sent over TLS
    ConnectionMetrics.Refusal refused = caps.admit(ch);
    if (refused != null) {
      refuse(ch, refused);
      return;
    }
    channels.add(ch);
    CoordConfig.Connections c = limits.connections();
    RequestDeadline deadline = new RequestDeadline(c.requestTimeout());
    ch.pipeline()
        .addLast(deadline)
        .addLast(new IdleStateHandler(limits.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
        .addLast(new HttpServerCodec(limits.maxInitialLineBytes(), limits.maxHeaderBytes(), 8192))
        .addLast(
            new JsonBodyLimit(limits.maxBodyBytes(), status -> metrics.request("other", status)))
        .addLast(
            new HttpChannelHandler(
                routes,
                metrics,
                connections,
                inFlight,
                draining,
                deadline,
                c.pipelined(),
                c.writeTimeout()));
  }

  private void refuse(SocketChannel ch, ConnectionMetrics.Refusal why) {
    String message =
        why == ConnectionMetrics.Refusal.PER_IP
            ? "too many connections from your address"
            : "server connection limit reached";
    ApiResponse r = ApiResponse.error(503, "too_many_connections", message);
    var resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.SERVICE_UNAVAILABLE,
            Unpooled.wrappedBuffer(r.body()));
    resp.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set(HttpHeaderNames.RETRY_AFTER, "5");
    ch.pipeline().addLast(new HttpResponseEncoder());
    ch.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
  }
}
