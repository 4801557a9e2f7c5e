package dev.gretun.core.dataplane.userspace;

import dev.gretun.core.os.ErrnoException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extra UDP sockets of birthday punches (docs/DAEMON.md, "Birthday punch"): opened per peer on
 * ephemeral ports, polled by one thread ({@code dp-extra}), and closed when the attempt ends — all
 * but the winner, which becomes the peer's data socket until its path ends.
 *
 * <p>The event loop opens, binds and retires sockets; the poller thread receives and is the only
 * one that releases a descriptor. A retired socket is shut down at once (receives end, sends are
 * dropped) and released {@link #RELEASE_GRACE_NANOS} later, when no packet thread can still be in a
 * send that read it before it was retired.
 */
final class ExtraSockets implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ExtraSockets.class);

  /** At most this many extra sockets at once, all peers together. */
  static final int MAX_OPEN = 1024;

  private static final long RELEASE_GRACE_NANOS = 2_000_000_000L;
  private static final int POLL_MILLIS = 100;
  private static final int DISCO_MAX_BYTES = 2048;
  private static final int RX_BATCH = 16;
  private static final int RX_SIZE = 9216;
  private static final int RX_HEADROOM = 16;

  /** Receives a datagram that arrived on an extra socket; poller thread only. */
  interface Handler {
    void datagram(ExtraSocket socket, UdpPort.Receiver rx, int i, long off, int len);
  }

  /** One extra socket; {@code port} (its local port) is its id. */
  static final class ExtraSocket {
    final String peer;
    final UdpPort port;
    final int localPort;
    final UdpPort.Sender loopSender; // event loop: disco and data probes
    volatile UdpPort.Sender tunSender; // dp-tun: data, once this is the peer's data socket
    UdpPort.Receiver receiver; // poller thread, made at the first datagram
    long releaseAt;

    private ExtraSocket(String peer, UdpPort port) {
      this.peer = peer;
      this.port = port;
      this.localPort = port.port();
      this.loopSender = port.sender(DISCO_MAX_BYTES);
    }
  }

  private final Handler handler;
  private final Map<Integer, ExtraSocket> byPort = new HashMap<>(); // event loop
  private final ConcurrentLinkedQueue<ExtraSocket> retiring = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile ExtraSocket[] polled = new ExtraSocket[0];
  private volatile boolean running = true;

  ExtraSockets(Handler handler) {
    this.handler = handler;
    this.thread = Thread.ofPlatform().name("dp-extra").daemon().start(this::pollLoop);
  }

  /**
   * Opens up to {@code count} sockets for {@code peer} on ephemeral ports (fewer when {@link
   * #MAX_OPEN} would be passed) and returns their ports. Event loop only.
   */
  int[] open(String peer, int count) throws ErrnoException {
    int n = Math.max(0, Math.min(count, MAX_OPEN - byPort.size()));
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        ExtraSocket s = new ExtraSocket(peer, UdpPort.bind(0, POLL_MILLIS));
        byPort.put(s.localPort, s);
        ports[i] = s.localPort;
      }
    } finally {
      publish();
    }
    return ports;
  }

  /** The open socket with local port {@code port}, or null. Event loop only. */
  ExtraSocket get(int port) {
    return byPort.get(port);
  }

  /** The poller thread's state (tests: an idle poller waits without a timeout). */
  Thread.State pollerState() {
    return thread.getState();
  }

  /** How many are open now. Event loop only. */
  int openCount() {
    return byPort.size();
  }

  /**
   * Keeps {@code port} (one of {@code peer}'s) as its data socket and retires the peer's others.
   * Returns the kept socket, or null when it is not the peer's open socket.
   */
  ExtraSocket keepOnly(String peer, int port) {
    ExtraSocket kept = byPort.get(port);
    if (kept == null || !kept.peer.equals(peer)) {
      return null;
    }
    for (ExtraSocket s : List.copyOf(byPort.values())) {
      if (s != kept && s.peer.equals(peer)) {
        retire(s);
      }
    }
    kept.tunSender = kept.port.sender();
    publish();
    return kept;
  }

  /** Retires every socket of {@code peer}. Event loop only. */
  void closePeer(String peer) {
    boolean any = false;
    for (ExtraSocket s : List.copyOf(byPort.values())) {
      if (s.peer.equals(peer)) {
        retire(s);
        any = true;
      }
    }
    if (any) {
      publish();
    }
  }

  private void retire(ExtraSocket s) {
    byPort.remove(s.localPort);
    s.port.wake();
    s.releaseAt = System.nanoTime() + RELEASE_GRACE_NANOS;
    retiring.add(s);
  }

  private void publish() {
    polled = byPort.values().toArray(new ExtraSocket[0]);
    LockSupport.unpark(thread);
  }

  private void pollLoop() {
    boolean[] ready = new boolean[0];
    UdpPort[] ports = new UdpPort[0];
    while (running) {
      release(false);
      ExtraSocket[] set = polled;
      if (set.length == 0) {
        parkUntilNextRelease(); // open(), retiring and close() unpark
        continue;
      }
      if (ready.length < set.length) {
        ready = new boolean[set.length];
        ports = new UdpPort[set.length];
      }
      for (int i = 0; i < set.length; i++) {
        ports[i] = set[i].port;
      }
      int n = UdpPort.pollReadable(ports, set.length, POLL_MILLIS, ready);
      if (n <= 0) {
        continue;
      }
      for (int i = 0; i < set.length; i++) {
        if (ready[i]) {
          receive(set[i]);
        }
      }
    }
    release(true);
  }

  private void receive(ExtraSocket s) {
    if (s.port.isClosed()) {
      return; // retired while polled; released later
    }
    if (s.receiver == null) {
      s.receiver = s.port.receiver(RX_BATCH, RX_SIZE, RX_HEADROOM);
    }
    UdpPort.Receiver rx = s.receiver;
    int n;
    try {
      n = rx.receive();
    } catch (ErrnoException e) {
      log.debug("extra_socket_receive_failed port={} error={}", s.localPort, e.getMessage());
      return;
    }
    for (int i = 0; i < n; i++) {
      if (!rx.truncated(i)) {
        handler.datagram(s, rx, i, rx.offset(i), rx.length(i));
      }
    }
  }

  /**
   * Poller thread with nothing to poll: sleeps until the first retired socket's grace ends, or
   * until unparked when none waits (an idle daemon's poller then never wakes on its own).
   */
  private void parkUntilNextRelease() {
    long now = System.nanoTime();
    long wait = Long.MAX_VALUE;
    for (ExtraSocket s : retiring) {
      wait = Math.min(wait, Math.max(1, s.releaseAt - now));
    }
    if (wait == Long.MAX_VALUE) {
      LockSupport.park(this);
    } else {
      LockSupport.parkNanos(this, wait);
    }
  }

  /** Poller thread: releases retired sockets whose grace has passed ({@code all}: every one). */
  private void release(boolean all) {
    long now = System.nanoTime();
    List<ExtraSocket> keep = new ArrayList<>();
    ExtraSocket s;
    while ((s = retiring.poll()) != null) {
      if (!all && now - s.releaseAt < 0) {
        keep.add(s);
        continue;
      }
      if (s.receiver != null) {
        s.receiver.close();
      }
      s.loopSender.close();
      UdpPort.Sender tx = s.tunSender;
      if (tx != null) {
        tx.close();
      }
      s.port.close();
    }
    retiring.addAll(keep);
  }

  /** Retires every socket and stops the poller (after the packet threads stopped). */
  @Override
  public void close() {
    for (ExtraSocket s : List.copyOf(byPort.values())) {
      retire(s);
    }
    polled = new ExtraSocket[0];
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
