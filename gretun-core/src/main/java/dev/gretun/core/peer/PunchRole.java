package dev.gretun.core.peer;

import dev.gretun.core.netcheck.NatType;

/**
 * Who sends first in a punch, from both sides' NAT types (docs/DAEMON.md, "Roles"). Both sides
 * compute it from the same facts (the NAT types the coordinator lists and the disco key order), so
 * they pick matching roles.
 */
enum PunchRole {
  /** Neither side is hard, our key sorts lower: open our NAT with low-TTL pings, then call. */
  OPENER_LOW_TTL,
  /** Neither side is hard, our key sorts higher: wait for the opener, then ping. */
  WAITER,
  /**
   * Our NAT maps per destination and the peer's accepts new ports: ping first at full TTL. Our
   * first ping creates the mapping the peer must answer to; it learns it from the arriving ping.
   */
  FIRST_FULL_TTL,
  /**
   * The peer's NAT maps per destination and ours accepts new ports: wait for its ping, answer the
   * address it came from (a peer-reflexive candidate) and ping it.
   */
  ANSWERER,
  /**
   * Birthday punch, hard side ({@code --aggressive-punch} on, our NAT maps per destination, the
   * peer's filters by address and port): open extra sockets, one low-TTL ping from each towards the
   * peer's endpoints (each makes a mapping on our NAT that accepts only the peer's endpoint), then
   * call; the first probe that reaches one of them wins.
   */
  BIRTHDAY_SPRAY,
  /**
   * Birthday punch, easy side (the mirror of {@link #BIRTHDAY_SPRAY}): once the peer calls, probe
   * random ports of its public address from P, rate-limited and capped, until one answers.
   */
  BIRTHDAY_PROBE,
  /** A hard NAT facing a hard or an easy (port-filtering) NAT: no direct path, relay at once. */
  RELAY;

  /** Whether this side pings without waiting for the peer. */
  boolean sendsFirst() {
    return this == OPENER_LOW_TTL || this == FIRST_FULL_TTL || this == BIRTHDAY_SPRAY;
  }

  /** Whether this is one of the two birthday punch roles. */
  boolean birthday() {
    return this == BIRTHDAY_SPRAY || this == BIRTHDAY_PROBE;
  }

  static PunchRole choose(boolean lowerKey, NatType local, NatType peer) {
    return choose(lowerKey, local, peer, false);
  }

  /**
   * @param aggressive {@code --aggressive-punch} is on here; the peer's flag is not published, so a
   *     pair uses the birthday roles only when both sides have it on (docs/DAEMON.md, "Birthday
   *     punch", why one side alone stays harmless)
   */
  static PunchRole choose(boolean lowerKey, NatType local, NatType peer, boolean aggressive) {
    if (local == NatType.HARD) {
      return switch (peer) {
        case HARD -> RELAY;
        case EASY -> aggressive ? BIRTHDAY_SPRAY : RELAY;
        case CONE, UNKNOWN -> FIRST_FULL_TTL;
      };
    }
    if (peer == NatType.HARD) {
      if (local == NatType.EASY) {
        return aggressive ? BIRTHDAY_PROBE : RELAY;
      }
      return ANSWERER;
    }
    return lowerKey ? OPENER_LOW_TTL : WAITER;
  }
}
