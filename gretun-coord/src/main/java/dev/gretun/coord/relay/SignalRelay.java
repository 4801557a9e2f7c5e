package dev.gretun.coord.relay;

import dev.gretun.core.coord.CoordWire.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mailboxes of sealed envelopes, one per registered recipient node key, each kept at most {@code
 * ttl}. Envelopes are opaque; the coordinator never opens them. In memory only: nodes re-send after
 * a restart.
 *
 * <p>Bounds, so that one member cannot push out what others sent while the recipient is offline:
 *
 * <ul>
 *   <li>per (sender, recipient) at most {@code perSender} envelopes: a further one replaces that
 *       sender's own oldest (the newest call_me_maybe is the useful one);
 *   <li>per recipient at most {@code capacity}: when full, the oldest envelope of the sender with
 *       the most queued goes, so a single message from an honest member outlives any flood;
 *   <li>all mailboxes together at most {@code maxBytes} (sealed base64 plus a fixed overhead per
 *       envelope): beyond that {@link #enqueue} refuses, and nothing is dropped.
 * </ul>
 */
public final class SignalRelay implements Mailboxes {
  /** Defaults of the bounds that have no flag. */
  public static final int DEFAULT_PER_SENDER = 8;

  public static final long DEFAULT_MAX_BYTES = 16L << 20;

  /** Accounted size of an envelope beyond its sealed text: keys, timestamp, object overhead. */
  public static final int ENVELOPE_OVERHEAD = 256;

  private record Queued(Envelope envelope, Instant at, int bytes) {}

  private static final class Mailbox {
    final ArrayDeque<Queued> queue = new ArrayDeque<>();
    final Map<String, Integer> bySender = new HashMap<>();
    final List<CompletableFuture<Void>> waiters = new ArrayList<>();
  }

  private final int capacity;
  private final int perSender;
  private final long maxBytes;
  private final Duration ttl;
  private final Map<String, Mailbox> boxes = new HashMap<>();
  private final AtomicLong droppedOverflow = new AtomicLong();
  private final AtomicLong droppedSenderQuota = new AtomicLong();
  private final AtomicLong droppedExpired = new AtomicLong();
  private final AtomicLong refusedFull = new AtomicLong();
  private int queued;
  private long queuedBytes;

  public SignalRelay(int capacity, Duration ttl) {
    this(capacity, DEFAULT_PER_SENDER, DEFAULT_MAX_BYTES, ttl);
  }

  public SignalRelay(int capacity, int perSender, long maxBytes, Duration ttl) {
    this.capacity = capacity;
    this.perSender = perSender;
    this.maxBytes = maxBytes;
    this.ttl = ttl;
  }

  /**
   * Queues an envelope for {@code recipient} and wakes its waiting pull; false (nothing queued,
   * nothing dropped) when all mailboxes together are at their byte limit.
   */
  @Override
  public boolean enqueue(String recipient, Envelope envelope, Instant now) {
    List<CompletableFuture<Void>> wake;
    synchronized (this) {
      Mailbox box = boxes.computeIfAbsent(recipient, k -> new Mailbox());
      expire(box, now);
      String sender = envelope.fromNode();
      Queued victim = null;
      boolean overQuota = box.bySender.getOrDefault(sender, 0) >= perSender;
      if (overQuota) {
        victim = oldestOf(box, sender);
      } else if (box.queue.size() >= capacity) {
        victim = oldestOf(box, largestSender(box));
      }
      Queued q = new Queued(envelope, now, envelope.sealed().length() + ENVELOPE_OVERHEAD);
      long freed = victim == null ? 0 : victim.bytes();
      if (queuedBytes - freed + q.bytes() > maxBytes) {
        refusedFull.incrementAndGet();
        if (box.queue.isEmpty() && box.waiters.isEmpty()) {
          boxes.remove(recipient);
        }
        return false;
      }
      if (victim != null) {
        remove(box, victim);
        (overQuota ? droppedSenderQuota : droppedOverflow).incrementAndGet();
      }
      box.queue.addLast(q);
      box.bySender.merge(sender, 1, Integer::sum);
      queued++;
      queuedBytes += q.bytes();
      wake = new ArrayList<>(box.waiters);
      box.waiters.clear();
    }
    wake.forEach(f -> f.complete(null));
    return true;
  }

  private static String largestSender(Mailbox box) {
    String best = null;
    int most = 0;
    for (Queued q : box.queue) { // oldest first, so ties go to the sender queued earliest
      String s = q.envelope().fromNode();
      int n = box.bySender.get(s);
      if (n > most) {
        best = s;
        most = n;
      }
    }
    return best;
  }

  private static Queued oldestOf(Mailbox box, String sender) {
    for (Queued q : box.queue) {
      if (q.envelope().fromNode().equals(sender)) {
        return q;
      }
    }
    throw new IllegalStateException("sender counted but not queued");
  }

  private void remove(Mailbox box, Queued q) {
    box.queue.remove(q);
    uncount(box, q);
  }

  private void uncount(Mailbox box, Queued q) {
    box.bySender.computeIfPresent(q.envelope().fromNode(), (k, n) -> n == 1 ? null : n - 1);
    queued--;
    queuedBytes -= q.bytes();
  }

  /** Takes every unexpired envelope queued for {@code recipient}. */
  @Override
  public synchronized List<Envelope> drain(String recipient, Instant now) {
    Mailbox box = boxes.get(recipient);
    if (box == null) {
      return List.of();
    }
    expire(box, now);
    List<Envelope> out = new ArrayList<>(box.queue.size());
    for (Queued q : box.queue) {
      out.add(q.envelope());
      queuedBytes -= q.bytes();
    }
    queued -= box.queue.size();
    box.queue.clear();
    box.bySender.clear();
    if (box.waiters.isEmpty()) {
      boxes.remove(recipient);
    }
    return out;
  }

  /** Completes when something is queued for {@code recipient} (immediately if already). */
  @Override
  public CompletableFuture<Void> awaitMail(String recipient) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (this) {
      Mailbox box = boxes.computeIfAbsent(recipient, k -> new Mailbox());
      if (!box.queue.isEmpty()) {
        f.complete(null);
        return f;
      }
      box.waiters.add(f);
    }
    f.whenComplete(
        (ok, err) -> {
          synchronized (this) {
            Mailbox box = boxes.get(recipient);
            if (box != null) {
              box.waiters.remove(f);
              if (box.waiters.isEmpty() && box.queue.isEmpty()) {
                boxes.remove(recipient);
              }
            }
          }
        });
    return f;
  }

  /** Drops the mailbox of a removed node. */
  @Override
  public void forget(String recipient) {
    List<CompletableFuture<Void>> wake;
    synchronized (this) {
      Mailbox box = boxes.remove(recipient);
      if (box == null) {
        return;
      }
      box.queue.forEach(q -> queuedBytes -= q.bytes());
      queued -= box.queue.size();
      wake = new ArrayList<>(box.waiters);
    }
    wake.forEach(f -> f.complete(null));
  }

  /** Expires old envelopes in every mailbox (called periodically) and frees empty boxes. */
  @Override
  public synchronized void sweep(Instant now) {
    Iterator<Map.Entry<String, Mailbox>> it = boxes.entrySet().iterator();
    while (it.hasNext()) {
      Mailbox box = it.next().getValue();
      expire(box, now);
      if (box.queue.isEmpty() && box.waiters.isEmpty()) {
        it.remove();
      }
    }
  }

  /** Completes every waiting pull (shutdown). */
  @Override
  public void wakeAll() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    synchronized (this) {
      boxes.values().forEach(b -> all.addAll(b.waiters));
    }
    all.forEach(f -> f.complete(null));
  }

  private void expire(Mailbox box, Instant now) {
    Instant cutoff = now.minus(ttl);
    while (!box.queue.isEmpty() && box.queue.peekFirst().at().isBefore(cutoff)) {
      uncount(box, box.queue.removeFirst());
      droppedExpired.incrementAndGet();
    }
  }

  @Override
  public synchronized int queued() {
    return queued;
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

  @Override
  public synchronized long queuedBytes() {
    return queuedBytes;
  }
}
