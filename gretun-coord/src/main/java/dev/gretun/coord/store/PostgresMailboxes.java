package dev.gretun.coord.store;

import dev.gretun.coord.relay.Mailboxes;
import dev.gretun.coord.relay.SignalRelay;
import dev.gretun.core.coord.CoordWire.Envelope;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signal mailboxes in the PostgreSQL {@code signals} table, shared by every replica: a node may
 * post to one and pull from another. The bounds are {@link SignalRelay}'s, enforced exactly across
 * replicas because every enqueue holds the signal lock (a transaction-scoped advisory lock); a pull
 * is one {@code DELETE … RETURNING}, so each envelope is handed out once even when two replicas
 * pull for the same node. An enqueue NOTIFYs the recipient's node key, which wakes its long-poll on
 * whichever replica holds it. The drop counters count what this replica dropped.
 */
final class PostgresMailboxes implements Mailboxes {
  static final String CHANNEL = "gretun_coord_signal";
  private static final long SIGNAL_LOCK = 0x7369676eL; // "sign"
  private static final String COLUMNS = "id, sender, sender_disco, sealed, sent_at, queued_at";

  private record Row(long id, Envelope envelope, long queuedAt) {}

  private final SqlDb db;
  private final int capacity;
  private final int perSender;
  private final long maxBytes;
  private final Duration ttl;
  private final Map<String, List<CompletableFuture<Void>>> waiters = new ConcurrentHashMap<>();
  private final AtomicLong droppedOverflow = new AtomicLong();
  private final AtomicLong droppedSenderQuota = new AtomicLong();
  private final AtomicLong droppedExpired = new AtomicLong();
  private final AtomicLong refusedFull = new AtomicLong();
  private volatile long[] totals = {0, 0};

  PostgresMailboxes(SqlDb db, int capacity, Duration ttl) {
    this.db = db;
    this.capacity = capacity;
    this.perSender = SignalRelay.DEFAULT_PER_SENDER;
    this.maxBytes = SignalRelay.DEFAULT_MAX_BYTES;
    this.ttl = ttl;
  }

  /** A notification on {@link #CHANNEL}: mail for the payload's node key (empty: maybe for all). */
  void notified(String recipient) {
    if (recipient.isEmpty()) {
      wakeAll();
    } else {
      wake(recipient);
    }
  }

  @Override
  public boolean enqueue(String recipient, Envelope envelope, Instant now) {
    int bytes = envelope.sealed().length() + SignalRelay.ENVELOPE_OVERHEAD;
    return db.tx(
        true,
        () -> {
          db.query("SELECT pg_advisory_xact_lock(?)", rs -> null, SIGNAL_LOCK);
          expire(recipient, now);
          String sender = envelope.fromNode();
          long fromSender = count("recipient = ? AND sender = ?", recipient, sender);
          Optional<long[]> victim = Optional.empty(); // id, bytes
          boolean overQuota = fromSender >= perSender;
          if (overQuota) {
            victim = oldestOf(recipient, sender);
          } else if (count("recipient = ?", recipient) >= capacity) {
            String largest =
                db.single(
                    "SELECT sender FROM signals WHERE recipient = ? GROUP BY sender"
                        + " ORDER BY COUNT(*) DESC, MIN(id) LIMIT 1",
                    rs -> rs.getString(1),
                    recipient);
            victim = oldestOf(recipient, largest);
          }
          long queuedBytes =
              db.single("SELECT COALESCE(SUM(bytes), 0) FROM signals", rs -> rs.getLong(1));
          long freed = victim.map(v -> v[1]).orElse(0L);
          if (queuedBytes - freed + bytes > maxBytes) {
            refusedFull.incrementAndGet();
            return false;
          }
          if (victim.isPresent()) {
            db.update("DELETE FROM signals WHERE id = ?", victim.get()[0]);
            (overQuota ? droppedSenderQuota : droppedOverflow).incrementAndGet();
          }
          db.update(
              "INSERT INTO signals (recipient, sender, sender_disco, sealed, sent_at, queued_at,"
                  + " bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
              recipient,
              sender,
              envelope.fromDisco(),
              envelope.sealed(),
              envelope.enqueuedAt(),
              now.toEpochMilli(),
              bytes);
          db.query("SELECT pg_notify(?, ?)", rs -> null, CHANNEL, recipient);
          return true;
        });
  }

  private long count(String where, Object... args) throws SQLException {
    return db.single("SELECT COUNT(*) FROM signals WHERE " + where, rs -> rs.getLong(1), args);
  }

  private Optional<long[]> oldestOf(String recipient, String sender) throws SQLException {
    return db
        .query(
            "SELECT id, bytes FROM signals WHERE recipient = ? AND sender = ? ORDER BY id LIMIT 1",
            rs -> new long[] {rs.getLong(1), rs.getLong(2)},
            recipient,
            sender)
        .stream()
        .findFirst();
  }

  private void expire(String recipient, Instant now) throws SQLException {
    int n =
        db.update(
            "DELETE FROM signals WHERE recipient = ? AND queued_at < ?", recipient, cutoff(now));
    droppedExpired.addAndGet(n);
  }

  private long cutoff(Instant now) {
    return now.minus(ttl).toEpochMilli();
  }

  @Override
  public List<Envelope> drain(String recipient, Instant now) {
    List<Row> rows =
        db.tx(
            true,
            () ->
                db.query(
                    "DELETE FROM signals WHERE recipient = ? RETURNING " + COLUMNS,
                    rs ->
                        new Row(
                            rs.getLong(1),
                            new Envelope(
                                rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)),
                            rs.getLong(6)),
                    recipient));
    long cutoff = cutoff(now);
    List<Envelope> out = new ArrayList<>(rows.size());
    rows.stream()
        .sorted(Comparator.comparingLong(Row::id))
        .forEach(
            r -> {
              if (r.queuedAt() < cutoff) {
                droppedExpired.incrementAndGet();
              } else {
                out.add(r.envelope());
              }
            });
    return out;
  }

  @Override
  public CompletableFuture<Void> awaitMail(String recipient) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    // Registered before the check, so a NOTIFY arriving in between is not missed.
    waiters.computeIfAbsent(recipient, k -> new CopyOnWriteArrayList<>()).add(f);
    f.whenComplete(
        (ok, err) ->
            waiters.computeIfPresent(
                recipient,
                (k, l) -> {
                  l.remove(f);
                  return l.isEmpty() ? null : l;
                }));
    boolean waiting =
        db.tx(
            false,
            () ->
                db.query("SELECT 1 FROM signals WHERE recipient = ? LIMIT 1", rs -> true, recipient)
                    .isEmpty());
    if (!waiting) {
      f.complete(null);
    }
    return f;
  }

  private void wake(String recipient) {
    List<CompletableFuture<Void>> l = waiters.remove(recipient);
    if (l != null) {
      l.forEach(f -> f.complete(null));
    }
  }

  @Override
  public void forget(String recipient) {
    db.tx(true, () -> db.update("DELETE FROM signals WHERE recipient = ?", recipient));
    wake(recipient);
  }

  @Override
  public void sweep(Instant now) {
    droppedExpired.addAndGet(
        db.tx(true, () -> db.update("DELETE FROM signals WHERE queued_at < ?", cutoff(now))));
    totals =
        db.tx(
            false,
            () ->
                db.single(
                    "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM signals",
                    rs -> new long[] {rs.getLong(1), rs.getLong(2)}));
  }

  @Override
  public void wakeAll() {
    new ArrayList<>(waiters.keySet()).forEach(this::wake);
  }

  /** As of the last sweep (every 10 s), for all replicas together. */
  @Override
  public int queued() {
    return (int) totals[0];
  }

  @Override
  public long queuedBytes() {
    return totals[1];
  }

  @Override
  public long droppedOverflow() {
    return droppedOverflow.get();
  }

  @Override
  public long droppedExpired() {
    return droppedExpired.get();
  }

  @Override
  public long droppedSenderQuota() {
    return droppedSenderQuota.get();
  }

  @Override
  public long refusedFull() {
    return refusedFull.get();
  }
}
