package dev.gretun.coord.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Deadline for receiving one complete request (head and body), against clients that trickle a
 * request a byte at a time and so never look idle. Sits in front of the HTTP decoder: the first
 * bytes read while no request is being received start the clock; {@link #requestComplete} (called
 * when the aggregated request reaches the handler) stops it. Time a complete request spends being
 * answered, such as a held long-poll, is not counted. On expiry it fires {@link #EXPIRED} down the
 * pipeline; the HTTP handler answers or closes.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
  /** User event: the request was not complete in time. */
  static final Object EXPIRED = new Object();

  private final long timeoutNanos;
  private ScheduledFuture<?> timer;

  RequestDeadline(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (timer == null && msg instanceof ByteBuf b && b.isReadable()) {
      timer = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelRead(msg);
  }

  /** A complete request arrived: stop the clock (the next request's first bytes restart it). */
  void requestComplete() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void expire(ChannelHandlerContext ctx) {
    timer = null;
    ctx.fireUserEventTriggered(EXPIRED);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    requestComplete();
    super.channelInactive(ctx);
  }
}
