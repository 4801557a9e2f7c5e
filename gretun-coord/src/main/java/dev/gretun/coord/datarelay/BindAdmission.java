package dev.gretun.coord.datarelay;

import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.relay.RelayBind;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a bind datagram must pass before it changes a binding (docs/SECURITY.md "Data relay"): the
 * relay address it names is ours, the node is registered, its timestamp is within ±{@code window}
 * of our clock, newer than the node's last accepted bind and than this relay's start (so a captured
 * bind cannot be replayed, from anywhere, while the relay runs or after it restarts), the Ed25519
 * signature verifies strictly ({@link Ed25519Keys#verify}), and the entries are usable (no
 * duplicate peer or key, no key 0, not the node itself). Cheap checks run before the signature.
 */
final class BindAdmission {
  /** The outcome of one bind: {@code ACCEPTED} or why not (the {@code result} label). */
  enum Outcome {
    ACCEPTED,
    MALFORMED,
    WRONG_RELAY,
    NOT_MEMBER,
    STALE,
    FUTURE,
    REPLAYED,
    BAD_SIGNATURE,
    BAD_ENTRIES;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The outcome; for an accepted bind the node (base64 key) and its pairs. */
  record Verdict(Outcome outcome, String node, Map<String, Integer> keyByPeer) {
    static Verdict refused(Outcome o) {
      return new Verdict(o, null, Map.of());
    }
  }

  private final Predicate<String> isMember;
  private final InstantSource clock;
  private final long windowMillis;
  private final int relayIp;
  private final int relayPort;
  private final long startMillis;
  private final Map<String, Long> lastAccepted = new HashMap<>();

  /**
   * @param isMember whether a base64 node key is registered
   * @param relayIp the IPv4 address nodes must name, or 0 when the relay cannot know it (wildcard
   *     listen, advertised by host name)
   * @param relayPort the port nodes must name
   */
  BindAdmission(
      Predicate<String> isMember,
      InstantSource clock,
      long windowMillis,
      int relayIp,
      int relayPort) {
    this.isMember = isMember;
    this.clock = clock;
    this.windowMillis = windowMillis;
    this.relayIp = relayIp;
    this.relayPort = relayPort;
    this.startMillis = clock.millis();
  }

  Verdict admit(byte[] buf, int off, int len) {
    RelayBind.Signed signed;
    try {
      signed = RelayBind.decode(buf, off, len);
    } catch (WireFormatException e) {
      return Verdict.refused(Outcome.MALFORMED);
    }
    RelayBind bind = signed.bind();
    if (bind.relayPort() != relayPort || (relayIp != 0 && bind.relayIp() != relayIp)) {
      return Verdict.refused(Outcome.WRONG_RELAY);
    }
    byte[] nodeKey = bind.nodeKey();
    String node = Base64.getEncoder().encodeToString(nodeKey);
    if (!isMember.test(node)) {
      return Verdict.refused(Outcome.NOT_MEMBER);
    }
    long now = clock.millis();
    long ts = bind.timestampMillis();
    // Bounds computed from our clock, never from the sender's value, so nothing can overflow.
    if (ts < now - windowMillis) {
      return Verdict.refused(Outcome.STALE);
    }
    if (ts > now + windowMillis) {
      return Verdict.refused(Outcome.FUTURE);
    }
    Long last = lastAccepted.get(node);
    if (ts < startMillis || (last != null && ts <= last)) {
      return Verdict.refused(Outcome.REPLAYED);
    }
    if (!Ed25519Keys.verify(nodeKey, signed.signedBytes(), signed.signature())) {
      return Verdict.refused(Outcome.BAD_SIGNATURE);
    }
    Map<String, Integer> pairs = new HashMap<>();
    Set<Integer> keys = new HashSet<>();
    for (RelayBind.Entry e : bind.entries()) {
      String peer = Base64.getEncoder().encodeToString(e.peerNodeKey());
      if (e.greKey() == 0 || peer.equals(node) || !keys.add(e.greKey())) {
        return Verdict.refused(Outcome.BAD_ENTRIES);
      }
      if (pairs.put(peer, e.greKey()) != null) {
        return Verdict.refused(Outcome.BAD_ENTRIES);
      }
    }
    lastAccepted.put(node, ts);
    return new Verdict(Outcome.ACCEPTED, node, pairs);
  }

  /** Forgets nodes that are no longer members (their replay floor goes with them). */
  void retainMembers() {
    lastAccepted.keySet().removeIf(isMember.negate());
  }
}
