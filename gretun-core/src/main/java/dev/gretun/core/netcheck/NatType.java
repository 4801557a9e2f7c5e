package dev.gretun.core.netcheck;

import java.util.Locale;
import java.util.Optional;

/**
 * What a node's NAT means for punching, as the node publishes it to the coordinator (the {@code
 * nat} field of {@code POST /v1/endpoints}) and peers use it to pick roles (docs/DAEMON.md).
 */
public enum NatType {
  /** Never checked, or the check could not tell (fewer than two STUN answers). */
  UNKNOWN,
  /**
   * Endpoint-independent mapping, filtering by address and port (or not known): punches with
   * another easy or a cone NAT; a hard peer needs the relay.
   */
  EASY,
  /**
   * Endpoint-independent mapping, and filtering that lets in a contacted host's other ports (or any
   * host): also accepts a hard peer's first ping, so direct works with every kind of peer NAT.
   */
  CONE,
  /** Endpoint-dependent mapping (symmetric): direct only towards a cone NAT; relay otherwise. */
  HARD;

  /** The wire form: the lower-case name. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The type named {@code wire} exactly (lower case), or empty for anything else. */
  public static Optional<NatType> fromWire(String wire) {
    for (NatType t : values()) {
      if (t.wire().equals(wire)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
