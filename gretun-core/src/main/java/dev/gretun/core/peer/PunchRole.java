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
  /** A hard NAT facing a hard or an easy (port-filtering) NAT: no direct path, relay at once. */
  RELAY;

  /** Whether this side pings without waiting for the peer. */
  boolean sendsFirst() {
    return this == OPENER_LOW_TTL || this == FIRST_FULL_TTL;
  }

  static PunchRole choose(boolean lowerKey, NatType local, NatType peer) {
    if (local == NatType.HARD) {
      return switch (peer) {
        case HARD, EASY -> RELAY;
        case CONE, UNKNOWN -> FIRST_FULL_TTL;
      };
    }
    if (peer == NatType.HARD) {
      return local == NatType.EASY ? RELAY : ANSWERER;
    }
    return lowerKey ? OPENER_LOW_TTL : WAITER;
  }
}
