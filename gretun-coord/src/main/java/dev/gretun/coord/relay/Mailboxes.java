package dev.gretun.coord.relay;

import dev.gretun.core.coord.CoordWire.Envelope;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Signal mailboxes: sealed envelopes waiting for their recipient, with the bounds of {@link
 * SignalRelay} (per sender and recipient, per recipient, all together). In memory for one
 * coordinator ({@link SignalRelay}); in the database when replicas share a PostgreSQL store, so a
 * node may post to one replica and read from another.
 */
public interface Mailboxes {
  /**
   * Queues an envelope for {@code recipient} and wakes its waiting pull (on any replica); false
   * (nothing queued, nothing dropped) when all mailboxes together are at their byte limit.
   */
  boolean enqueue(String recipient, Envelope envelope, Instant now);

  /** Takes every unexpired envelope queued for {@code recipient}; each is handed out once. */
  List<Envelope> drain(String recipient, Instant now);

  /** Completes when something may be queued for {@code recipient} (immediately if already). */
  CompletableFuture<Void> awaitMail(String recipient);

  /** Drops the mailbox of a removed node. */
  void forget(String recipient);

  /** Expires old envelopes (called periodically). */
  void sweep(Instant now);

  /** Completes every waiting pull (shutdown). */
  void wakeAll();

  int queued();

  long queuedBytes();

  long droppedOverflow();

  long droppedExpired();

  long droppedSenderQuota();

  long refusedFull();
}
