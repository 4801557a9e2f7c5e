package dev.gretun.coord.http;

import dev.gretun.coord.CoordRejection;
import dev.gretun.coord.metrics.CoordMetrics;
import dev.gretun.coord.registry.Registry;
import dev.gretun.coord.relay.Mailboxes;
import dev.gretun.coord.relay.RateLimiter;
import dev.gretun.coord.store.NodeRecord;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Envelope;
import dev.gretun.core.coord.CoordWire.SignalRequest;
import dev.gretun.core.coord.CoordWire.SignalsResponse;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The signal relay routes: {@code POST /v1/signal} sends, {@code GET /v1/signal} polls. */
final class SignalRoutes {
  private final Registry registry;
  private final Mailboxes relay;
  private final RateLimiter signalRate;
  private final int maxSealedBytes;
  private final CallerAuth auth;
  private final LongPolls polls;
  private final CoordMetrics metrics;
  private final InstantSource clock;

  SignalRoutes(
      Registry registry,
      Mailboxes relay,
      RateLimiter signalRate,
      int maxSealedBytes,
      CallerAuth auth,
      LongPolls polls,
      CoordMetrics metrics,
      InstantSource clock) {
    this.registry = registry;
    this.relay = relay;
    this.signalRate = signalRate;
    this.maxSealedBytes = maxSealedBytes;
    this.auth = auth;
    this.polls = polls;
    this.metrics = metrics;
    this.clock = clock;
  }

  ApiResponse send(ApiRequest req) {
    CallerAuth.Caller caller = auth.node(req);
    NodeRecord self = caller.node();
    SignalRequest body = WireValidation.body(req.body(), SignalRequest.class);
    String to = WireValidation.key("to", body.to());
    byte[] sealed = WireValidation.sealed(body.sealed(), maxSealedBytes);
    NodeRecord recipient =
        registry
            .byNodeOrDisco(to)
            .orElseThrow(
                () ->
                    new CoordRejection(
                        404, "unknown_recipient", "no registered node has this disco or node key"));
    if (!signalRate.tryAcquire(self.nodeKey())) {
      throw new CoordRejection(429, "rate_limited", "too many signals; slow down");
    }
    auth.persistFloor(caller);
    Instant now = clock.instant();
    boolean queued =
        relay.enqueue(
            recipient.nodeKey(),
            new Envelope(
                self.nodeKey(),
                self.discoKey(),
                Base64.getEncoder().encodeToString(sealed),
                now.toString()),
            now);
    if (!queued) {
      throw new CoordRejection(
          503, "relay_full", "the signal relay is at its memory limit; retry later");
    }
    return ApiResponse.json(200, new CoordWire.SignalAck(true));
  }

  /** The caller's queued signals; waits for one when the mailbox is empty. */
  CompletableFuture<ApiResponse> pull(ApiRequest req) {
    String nodeKey = auth.node(req).nodeKey();
    List<Envelope> now = relay.drain(nodeKey, clock.instant());
    if (!now.isEmpty() || polls.draining()) {
      return CompletableFuture.completedFuture(ApiResponse.json(200, new SignalsResponse(now)));
    }
    return polls.await(
        "signal:" + nodeKey,
        metrics.waitingSignals(),
        () -> relay.awaitMail(nodeKey),
        () -> ApiResponse.json(200, new SignalsResponse(relay.drain(nodeKey, clock.instant()))));
  }
}
