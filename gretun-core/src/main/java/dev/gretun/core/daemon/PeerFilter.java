package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.peer.PeerInfo;
import dev.gretun.core.wire.disco.Endpoints;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What this node accepts from the coordinator's peer list (docs/SECURITY.md "What a node accepts
 * from the coordinator"). A peer is refused unless its disco key is usable, its node name is what
 * the coordinator API allows, and its tunnel address is a canonical IPv4 literal inside our {@link
 * TunnelPool}, not the pool's network or broadcast address, not ours, and claimed by no other peer
 * (all claimants of a shared address, disco key or GRE key are refused: we cannot tell which is
 * right). An accepted peer keeps only the endpoints that pass {@link Endpoints#parseUsable}. Pure:
 * refusals come back as log lines, the caller decides when to print them.
 */
final class PeerFilter {
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern LOG_SAFE = Pattern.compile("[A-Za-z0-9+/=._:-]{1,64}");

  /** Computes the pair's GRE key for a disco key; IllegalArgumentException when unusable. */
  @FunctionalInterface
  interface GreKeys {
    int of(String discoKey);
  }

  record Accepted(String discoKey, String name, PeerInfo info, int greKey) {}

  /** The accepted peers and one key=value log line per refused peer or endpoint. */
  record Result(List<Accepted> accepted, List<String> refusals) {}

  private record Candidate(CoordWire.Peer peer, int tunnelIp, int greKey) {}

  private final TunnelPool pool;
  private final String selfDisco;
  private final GreKeys greKeys;

  PeerFilter(TunnelPool pool, String selfDisco, GreKeys greKeys) {
    this.pool = pool;
    this.selfDisco = selfDisco;
    this.greKeys = greKeys;
  }

  Result filter(Collection<CoordWire.Peer> listed) {
    List<String> refusals = new ArrayList<>();
    List<Candidate> candidates = new ArrayList<>();
    List<CoordWire.Peer> sorted =
        listed.stream()
            .filter(Objects::nonNull)
            .sorted(Comparator.comparing(p -> String.valueOf(p.nodeKey())))
            .toList();
    for (CoordWire.Peer p : sorted) {
      if (selfDisco.equals(p.discoKey())) {
        continue;
      }
      String why = null;
      int ip = 0;
      int greKey = 0;
      if (p.nodeName() == null || !NODE_NAME.matcher(p.nodeName()).matches()) {
        why = "node_name is not 1-63 of [A-Za-z0-9._-]";
      }
      if (why == null) {
        try {
          greKey = greKeys.of(p.discoKey());
        } catch (RuntimeException e) {
          why = "disco_key unusable";
        }
      }
      if (why == null) {
        try {
          ip = TunnelPool.parseCanonical(p.tunnelIp());
          why = pool.refusalFor(ip, true);
        } catch (IllegalArgumentException e) {
          why = e.getMessage();
        }
      }
      if (why != null) {
        refusals.add(peerRefused(p, why));
      } else {
        candidates.add(new Candidate(p, ip, greKey));
      }
    }
    Map<Object, Integer> claims = new HashMap<>();
    for (Candidate c : candidates) {
      claims.merge("ip " + c.tunnelIp(), 1, Integer::sum);
      claims.merge("disco " + c.peer().discoKey(), 1, Integer::sum);
      claims.merge("gre " + c.greKey(), 1, Integer::sum);
    }
    List<Accepted> accepted = new ArrayList<>();
    for (Candidate c : candidates) {
      CoordWire.Peer p = c.peer();
      if (claims.get("ip " + c.tunnelIp()) > 1) {
        refusals.add(peerRefused(p, "tunnel_ip also listed for another peer"));
      } else if (claims.get("disco " + p.discoKey()) > 1) {
        refusals.add(peerRefused(p, "disco_key also listed for another peer"));
      } else if (claims.get("gre " + c.greKey()) > 1) {
        refusals.add(peerRefused(p, "GRE key collides with another peer's"));
      } else {
        Listed eps = endpoints(p, refusals);
        accepted.add(
            new Accepted(
                p.discoKey(),
                p.nodeName(),
                new PeerInfo(
                    p.nodeName(),
                    TunnelPool.address(c.tunnelIp()),
                    eps.usable(),
                    // a value we do not know (newer coordinator, or hostile) counts as unknown
                    NatType.fromWire(p.nat()).orElse(NatType.UNKNOWN),
                    eps.mapped()),
                c.greKey()));
      }
    }
    return new Result(accepted, refusals);
  }

  /** A peer's usable endpoints, and the first of them it posted with source {@code stun}. */
  private record Listed(List<InetSocketAddress> usable, InetSocketAddress mapped) {}

  private static Listed endpoints(CoordWire.Peer p, List<String> refusals) {
    LinkedHashSet<InetSocketAddress> eps = new LinkedHashSet<>();
    InetSocketAddress mapped = null;
    for (CoordWire.Endpoint e :
        p.endpoints() == null ? List.<CoordWire.Endpoint>of() : p.endpoints()) {
      String addr = e == null ? null : e.addr();
      try {
        InetSocketAddress a = Endpoints.parseUsable(Objects.requireNonNull(addr, "missing addr"));
        eps.add(a);
        if (mapped == null && "stun".equals(e.source())) {
          mapped = a;
        }
      } catch (IllegalArgumentException | NullPointerException bad) {
        refusals.add(
            "endpoint_refused peer="
                + p.nodeName()
                + " addr="
                + safe(addr)
                + " reason=\""
                + reason(bad.getMessage())
                + "\"");
      }
    }
    return new Listed(List.copyOf(eps), mapped);
  }

  private static String peerRefused(CoordWire.Peer p, String why) {
    return "peer_refused node_key="
        + safe(p.nodeKey())
        + " name="
        + safe(p.nodeName())
        + " tunnel_ip="
        + safe(p.tunnelIp())
        + " reason=\""
        + why
        + "\"";
  }

  /** The reason of a parse failure without the echoed input (which {@code addr=} shows). */
  private static String reason(String message) {
    String m = String.valueOf(message);
    int colon = m.indexOf(": ");
    String head = colon < 0 ? m : m.substring(0, colon);
    return head.replaceAll("[^A-Za-z0-9 ._-]", "?");
  }

  /** Coordinator text as it may appear in a log line: a hostile one must not forge log fields. */
  static String safe(String s) {
    if (s == null) {
      return "-";
    }
    String cut = s.length() > 64 ? s.substring(0, 64) : s;
    return LOG_SAFE.matcher(cut).matches() ? cut : cut.replaceAll("[^A-Za-z0-9+/=._:-]", "?");
  }
}
