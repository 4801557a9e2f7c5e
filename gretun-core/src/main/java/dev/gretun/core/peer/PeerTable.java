package dev.gretun.core.peer;

import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.peer.PeerEvent.CallMeMaybeReceived;
import dev.gretun.core.peer.PeerEvent.LocalNatUpdated;
import dev.gretun.core.peer.PeerEvent.PeerUpdated;
import dev.gretun.core.util.Ticker;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Every peer's {@link PeerMachine}, keyed by disco key {@code K} (anything with a total order both
 * sides agree on, e.g. the 32 key bytes compared unsigned). Who sends first follows the NAT types
 * ({@link PunchRole}); between two non-hard NATs the side whose key sorts lower is the low-TTL
 * opener. Not thread-safe: use from the daemon's event loop only.
 */
public final class PeerTable<K extends Comparable<K>> {
  /** Bound on call_me_maybe messages kept for peers the coordinator has not listed yet. */
  static final int MAX_PENDING = 64;

  private static final class Entry {
    final PeerMachine machine;
    long bytesIn;
    long bytesOut;

    Entry(PeerMachine machine) {
      this.machine = machine;
    }
  }

  private record Pending(List<InetSocketAddress> endpoints, Duration age, long atNanos) {}

  private final K self;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final PeerTimings timings;
  private final Map<K, Entry> peers = new TreeMap<>();
  private final Map<K, Pending> pending = new LinkedHashMap<>();
  private NatType localNat = NatType.UNKNOWN;
  private boolean aggressivePunch;
  private boolean reflexivePosted;

  public PeerTable(K self, Ticker ticker, RandomGenerator random, PeerTimings timings) {
    this.self = self;
    this.ticker = ticker;
    this.random = random;
    this.timings = timings;
  }

  /**
   * Brings the table in line with the coordinator's full peer list: creates machines for new keys
   * (kicked at once with their endpoints), updates changed ones, removes vanished ones (each gets a
   * {@link PeerAction.RemovePeer}). Our own key is skipped.
   */
  public List<KeyedAction<K>> reconcile(Map<K, PeerInfo> current) {
    var out = new ArrayList<KeyedAction<K>>();
    for (Iterator<Map.Entry<K, Entry>> it = peers.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!current.containsKey(e.getKey())) {
        it.remove();
        out.add(new KeyedAction<>(e.getKey(), new PeerAction.RemovePeer()));
      }
    }
    for (var e : new TreeMap<>(current).entrySet()) {
      K key = e.getKey();
      if (key.compareTo(self) == 0) {
        continue;
      }
      Entry entry = peers.get(key);
      if (entry == null) {
        var machine =
            new PeerMachine(e.getValue(), self.compareTo(key) < 0, ticker, random, timings);
        peers.put(key, new Entry(machine));
        machine.on(new LocalNatUpdated(localNat));
        machine.setAggressivePunch(aggressivePunch);
        machine.setReflexivePosted(reflexivePosted);
        add(out, key, machine.on(new PeerUpdated(e.getValue())));
        Pending p = pending.remove(key);
        if (p != null && ticker.nanos() - p.atNanos() <= timings.punchTimeout().toNanos()) {
          Duration held = Duration.ofNanos(ticker.nanos() - p.atNanos());
          add(out, key, machine.on(new CallMeMaybeReceived(p.endpoints(), p.age().plus(held))));
        }
      } else if (!entry.machine.info().equals(e.getValue())) {
        add(out, key, entry.machine.on(new PeerUpdated(e.getValue())));
      }
    }
    return out;
  }

  /**
   * Delivers an event to one peer. A call_me_maybe from a key the coordinator has not listed yet is
   * kept briefly and replayed when the peer appears; other events for unknown keys are dropped.
   */
  public List<KeyedAction<K>> on(K peer, PeerEvent event) {
    Entry entry = peers.get(peer);
    if (entry == null) {
      if (event instanceof CallMeMaybeReceived c && peer.compareTo(self) != 0) {
        pending.remove(peer);
        if (pending.size() >= MAX_PENDING) {
          var oldest = pending.keySet().iterator();
          oldest.next();
          oldest.remove();
        }
        pending.put(peer, new Pending(c.endpoints(), c.age(), ticker.nanos()));
      }
      return List.of();
    }
    var out = new ArrayList<KeyedAction<K>>();
    add(out, peer, entry.machine.on(event));
    return out;
  }

  /** Runs every peer's timers; call it every {@link PeerTimings#pingInterval()} or more often. */
  public List<KeyedAction<K>> tick() {
    var out = new ArrayList<KeyedAction<K>>();
    for (var e : peers.entrySet()) {
      add(out, e.getKey(), e.getValue().machine.on(PeerEvent.TICK));
    }
    return out;
  }

  /**
   * Our NAT type (netcheck); with each peer's published type it picks who sends first at the next
   * punch (docs/DAEMON.md, "Roles").
   */
  public void setLocalNat(NatType nat) {
    localNat = nat;
    for (var e : peers.values()) {
      e.machine.on(new LocalNatUpdated(nat));
    }
  }

  /**
   * {@code --aggressive-punch}: easy/hard pairs use the birthday punch (docs/DAEMON.md, "Birthday
   * punch") from their next punch on. Call before the first peer list to cover every punch.
   */
  public void setAggressivePunch(boolean on) {
    aggressivePunch = on;
    for (var e : peers.values()) {
      e.machine.setAggressivePunch(on);
    }
  }

  /**
   * Whether the coordinator has our STUN-mapped endpoint (the endpoint reporter says so after each
   * post): only then does an opener's unanswered attempt count against its TTL.
   */
  public void setReflexivePosted(boolean posted) {
    reflexivePosted = posted;
    for (var e : peers.values()) {
      e.machine.setReflexivePosted(posted);
    }
  }

  /**
   * Sets the data plane's byte counters for a peer (shown by {@link #snapshot()}); call it every
   * tick. Outbound growth is reported to the peer's machine as {@link PeerEvent.DataSent} (fast
   * loss detection), so carry out the returned actions.
   */
  public List<KeyedAction<K>> setTraffic(K peer, long bytesIn, long bytesOut) {
    Entry entry = peers.get(peer);
    if (entry == null) {
      return List.of();
    }
    boolean sent = bytesOut > entry.bytesOut;
    entry.bytesIn = bytesIn;
    entry.bytesOut = bytesOut;
    if (!sent) {
      return List.of();
    }
    var out = new ArrayList<KeyedAction<K>>();
    add(out, peer, entry.machine.on(PeerEvent.DATA_SENT));
    return out;
  }

  public Optional<PeerMachine> machine(K peer) {
    return Optional.ofNullable(peers.get(peer)).map(e -> e.machine);
  }

  public int size() {
    return peers.size();
  }

  /** Peers per state, every state present (zero included), for {@code gretun_peers{state}}. */
  public Map<PeerState, Integer> countByState() {
    var counts = new EnumMap<PeerState, Integer>(PeerState.class);
    for (var s : PeerState.values()) {
      counts.put(s, 0);
    }
    for (var e : peers.values()) {
      counts.merge(e.machine.state(), 1, Integer::sum);
    }
    return counts;
  }

  /** One row per peer, ordered by key, for {@code gretun peers}. */
  public List<PeerSnapshot> snapshot() {
    var rows = new ArrayList<PeerSnapshot>(peers.size());
    for (var e : peers.entrySet()) {
      PeerMachine m = e.getValue().machine;
      var info = m.info();
      String path =
          switch (m.state()) {
            case DIRECT -> "direct";
            default -> "none";
          };
      var since = m.sinceLastPong();
      var rtt = m.rtt();
      rows.add(
          new PeerSnapshot(
              e.getKey().toString(),
              info.name(),
              info.tunnelIp() == null ? null : info.tunnelIp().getHostAddress(),
              m.state().label(),
              path,
              m.endpoint() == null ? null : hostPort(m.endpoint()),
              since == null ? null : since.toMillis(),
              rtt == null ? null : rtt.toNanos() / 1e6,
              e.getValue().bytesIn,
              e.getValue().bytesOut));
    }
    return rows;
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  private static <K> void add(List<KeyedAction<K>> out, K key, List<PeerAction> actions) {
    for (var a : actions) {
      out.add(new KeyedAction<>(key, a));
    }
  }
}
