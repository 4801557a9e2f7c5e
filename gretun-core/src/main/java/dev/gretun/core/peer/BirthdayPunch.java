package dev.gretun.core.peer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The state of one birthday punch attempt (docs/DAEMON.md, "Birthday punch"): the easy side's probe
 * budget (at most {@link #MAX_PROBES}, at most {@link #PROBES_PER_SECOND}) and the hard side's
 * winning socket. Pure: time comes in as nanos.
 */
final class BirthdayPunch {
  /** Extra sockets the hard side opens per attempt. */
  static final int SOCKETS = 256;

  /** Probes the easy side sends per attempt, at most. */
  static final int MAX_PROBES = 1024;

  /** The easy side's probe rate, at most. */
  static final int PROBES_PER_SECOND = 100;

  /**
   * An attempt's budget: the probes take 10.24 s once the peer's call arrives (up to the 5 s hold
   * when it never does), plus a pong.
   */
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private static final long NONE = Long.MIN_VALUE;
  private static final int FIRST_PORT = 1024;

  private boolean active;
  private long probeStart = NONE;
  private int probes;
  private int socket;

  /** A new attempt begins: nothing probed, no socket won. */
  void begin() {
    active = true;
    probeStart = NONE;
    probes = 0;
    socket = 0;
  }

  boolean active() {
    return active;
  }

  /** Probes sent in this attempt. */
  int probes() {
    return probes;
  }

  /** The hard side's winning socket (its local port), 0 when none. */
  int socket() {
    return socket;
  }

  /**
   * How many probes may go out now: the first at once, then {@link #PROBES_PER_SECOND} a second
   * counted from the first, never more than {@link #MAX_PROBES} in all. The caller sends that many
   * and reports them with {@link #probed}.
   */
  int due(long now) {
    if (!active) {
      return 0;
    }
    if (probeStart == NONE) {
      probeStart = now;
    }
    long allowed = 1 + (now - probeStart) * PROBES_PER_SECOND / 1_000_000_000L;
    return (int) Math.max(0, Math.min(MAX_PROBES, allowed) - probes);
  }

  void probed() {
    probes++;
  }

  /** The hard side's socket {@code localPort} got the peer's probe. */
  void won(int localPort) {
    socket = localPort;
  }

  /** Ends the attempt (the won socket, if any, stays the data socket until {@link #clear}). */
  PeerAction.BirthdayEnded end(String result) {
    active = false;
    return new PeerAction.BirthdayEnded(result, probes);
  }

  /** The path that used the won socket is gone (its sockets are closed). */
  void clear() {
    active = false;
    socket = 0;
  }

  /**
   * The peer addresses worth probing: those of its candidates that are not private, link-local or
   * loopback (its NAT's public address), or all of them when none is.
   */
  static List<InetAddress> probeAddresses(List<InetSocketAddress> candidates) {
    LinkedHashSet<InetAddress> all = new LinkedHashSet<>();
    LinkedHashSet<InetAddress> open = new LinkedHashSet<>();
    for (InetSocketAddress c : candidates) {
      all.add(c.getAddress());
      if (isPublic(c.getAddress())) {
        open.add(c.getAddress());
      }
    }
    return new ArrayList<>(open.isEmpty() ? all : open);
  }

  /** The endpoints the hard side sprays towards: the public ones, or all when none is. */
  static List<InetSocketAddress> sprayTargets(List<InetSocketAddress> candidates) {
    List<InetSocketAddress> open = new ArrayList<>();
    for (InetSocketAddress c : candidates) {
      if (isPublic(c.getAddress())) {
        open.add(c);
      }
    }
    return open.isEmpty() ? List.copyOf(candidates) : open;
  }

  /** Probe number {@code n}'s target: the addresses in turn, a random port 1024-65535. */
  static InetSocketAddress probeTarget(List<InetAddress> addresses, int n, RandomGenerator random) {
    InetAddress ip = addresses.get(n % addresses.size());
    return new InetSocketAddress(ip, FIRST_PORT + random.nextInt(65536 - FIRST_PORT));
  }

  private static boolean isPublic(InetAddress a) {
    return !a.isSiteLocalAddress()
        && !a.isLinkLocalAddress()
        && !a.isLoopbackAddress()
        && !a.isAnyLocalAddress();
  }
}
