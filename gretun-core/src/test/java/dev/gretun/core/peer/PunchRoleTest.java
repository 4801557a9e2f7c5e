package dev.gretun.core.peer;

import static dev.gretun.core.netcheck.NatType.CONE;
import static dev.gretun.core.netcheck.NatType.EASY;
import static dev.gretun.core.netcheck.NatType.HARD;
import static dev.gretun.core.netcheck.NatType.UNKNOWN;
import static dev.gretun.core.peer.PunchRole.ANSWERER;
import static dev.gretun.core.peer.PunchRole.FIRST_FULL_TTL;
import static dev.gretun.core.peer.PunchRole.OPENER_LOW_TTL;
import static dev.gretun.core.peer.PunchRole.RELAY;
import static dev.gretun.core.peer.PunchRole.WAITER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.netcheck.NatType;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The role table, every cell, and that both sides always pick matching roles. */
class PunchRoleTest {
  @Test
  void everyCell() {
    // local -> peer -> role (for the side whose key sorts lower; the other side is the mirror)
    Map<NatType, Map<NatType, PunchRole>> lower =
        Map.of(
            UNKNOWN,
            Map.of(
                UNKNOWN,
                OPENER_LOW_TTL,
                EASY,
                OPENER_LOW_TTL,
                CONE,
                OPENER_LOW_TTL,
                HARD,
                ANSWERER),
            EASY,
            Map.of(
                UNKNOWN, OPENER_LOW_TTL, EASY, OPENER_LOW_TTL, CONE, OPENER_LOW_TTL, HARD, RELAY),
            CONE,
            Map.of(
                UNKNOWN,
                OPENER_LOW_TTL,
                EASY,
                OPENER_LOW_TTL,
                CONE,
                OPENER_LOW_TTL,
                HARD,
                ANSWERER),
            HARD,
            Map.of(UNKNOWN, FIRST_FULL_TTL, EASY, RELAY, CONE, FIRST_FULL_TTL, HARD, RELAY));
    for (NatType local : NatType.values()) {
      for (NatType peer : NatType.values()) {
        PunchRole expected = lower.get(local).get(peer);
        assertEquals(expected, PunchRole.choose(true, local, peer), local + "/" + peer);
        PunchRole higher = expected == OPENER_LOW_TTL ? WAITER : expected;
        assertEquals(higher, PunchRole.choose(false, local, peer), local + "/" + peer + " higher");
      }
    }
  }

  @Test
  void bothSidesAlwaysAgree() {
    Set<Set<PunchRole>> matching =
        Set.of(Set.of(OPENER_LOW_TTL, WAITER), Set.of(FIRST_FULL_TTL, ANSWERER), Set.of(RELAY));
    for (NatType a : NatType.values()) {
      for (NatType b : NatType.values()) {
        for (boolean aLower : new boolean[] {true, false}) {
          PunchRole ra = PunchRole.choose(aLower, a, b);
          PunchRole rb = PunchRole.choose(!aLower, b, a);
          assertTrue(matching.contains(EnumSet.of(ra, rb)), a + "/" + b + ": " + ra + " vs " + rb);
          assertTrue(ra.sendsFirst() != rb.sendsFirst() || ra == RELAY, a + "/" + b);
        }
      }
    }
  }

  @Test
  void aggressivePunchTurnsOnlyEasyHardIntoBirthdayRoles() {
    for (NatType a : NatType.values()) {
      for (NatType b : NatType.values()) {
        for (boolean aLower : new boolean[] {true, false}) {
          PunchRole ra = PunchRole.choose(aLower, a, b, true);
          PunchRole rb = PunchRole.choose(!aLower, b, a, true);
          if (a == HARD && b == EASY) {
            assertEquals(PunchRole.BIRTHDAY_SPRAY, ra);
            assertEquals(PunchRole.BIRTHDAY_PROBE, rb);
            assertTrue(ra.sendsFirst() && !rb.sendsFirst());
          } else if (!(a == EASY && b == HARD)) {
            assertEquals(PunchRole.choose(aLower, a, b), ra, a + "/" + b + " unchanged");
          }
        }
      }
    }
    // Only one side aggressive: it alone leaves the relay role; the other keeps the relay.
    assertEquals(PunchRole.BIRTHDAY_PROBE, PunchRole.choose(true, EASY, HARD, true));
    assertEquals(RELAY, PunchRole.choose(false, HARD, EASY, false));
    assertEquals(RELAY, PunchRole.choose(false, HARD, HARD, true));
  }
}
