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
 * Mailboxes of sealed envelopes, one per registered recipient node key: at most {@code capacity}
 * envelopes (the oldest is dropped on overflow), each kept at most {@code ttl}. Envelopes are
 * opaque; the coordinator never opens them. In memory only: nodes re-send after a restart.
 */
public final class SignalRelay {
  private record Queued(Envelope envelope, Instant at) {}

  private static final class Mailbox {
    final ArrayDeque<Queued> queue = new ArrayDeque<>();
    final List<CompletableFuture<Void>> waiters = new ArrayList<>();
  }

  private final int capacity;
  private final Duration ttl;
  private final Map<String, Mailbox> boxes = new HashMap<>();
  private final AtomicLong droppedOverflow = new AtomicLong();
  private final AtomicLong droppedExpired = new AtomicLong();
  private int queued;

  public SignalRelay(int capacity, Duration ttl) {
    this.capacity = capacity;
    this.ttl = ttl;
  }

  /** Queues an envelope for {@code recipient}; wakes its waiting pull. */
  public void enqueue(String recipient, Envelope envelope, Instant now) {
    List<CompletableFuture<Void>> wake;
    synchronized (this) {
      Mailbox box = boxes.computeIfAbsent(recipient, k -> new Mailbox());
      expire(box, now);
      if (box.queue.size() >= capacity) {
        box.queue.removeFirst();
        queued--;
        droppedOverflow.incrementAndGet();
      }
      box.queue.addLast(new Queued(envelope, now));
      queued++;
      wake = new ArrayList<>(box.waiters);
      box.waiters.clear();
    }
    wake.forEach(f -> f.complete(null));
  }

  /** Takes every unexpired envelope queued for {@code recipient}. */
  public synchronized List<Envelope> drain(String recipient, Instant now) {
    Mailbox box = boxes.get(recipient);
    if (box == null) {
      return List.of();
    }
    expire(box, now);
    List<Envelope> out = new ArrayList<>(box.queue.size());
    box.queue.forEach(q -> out.add(q.envelope()));
    queued -= box.queue.size();
    box.queue.clear();
    if (box.waiters.isEmpty()) {
      boxes.remove(recipient);
    }
    return out;
  }

  /** Completes when something is queued for {@code recipient} (immediately if already). */
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
  public void forget(String recipient) {
    List<CompletableFuture<Void>> wake;
    synchronized (this) {
      Mailbox box = boxes.remove(recipient);
      if (box == null) {
        return;
      }
      queued -= box.queue.size();
      wake = new ArrayList<>(box.waiters);
    }
    wake.forEach(f -> f.complete(null));
  }

  /** Expires old envelopes in every mailbox (called periodically) and frees empty boxes. */
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
      box.queue.removeFirst();
      queued--;
      droppedExpired.incrementAndGet();
    }
  }

  public synchronized int queued() {
    return queued;
  }

  public long droppedOverflow() {
    return droppedOverflow.get();
  }

  public long droppedExpired() {
    return droppedExpired.get();
  }
}
