package dev.gretun.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OwnershipTest {
  @Test
  void roundTripAndForeignAliases() {
    Ownership o = new Ownership(true, 7777, true);
    assertEquals("gretun fou_port=7777 fou_owner=1", o.toAlias());
    assertEquals(o, Ownership.parse(o.toAlias()));
    assertEquals(new Ownership(true, 0, false), Ownership.parse("gretun"));
    assertEquals(Ownership.UNMANAGED, Ownership.parse("uplink to ISP"));
    assertEquals(Ownership.UNMANAGED, Ownership.parse(null));
    assertEquals(
        new Ownership(true, 0, false), Ownership.parse("gretun fou_port=99999 fou_owner=1"));
    assertEquals(new Ownership(true, 5, false), Ownership.parse("gretun fou_port=5 fou_owner=0"));
  }
}
