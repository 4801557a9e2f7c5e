package dev.gretun.core.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CapabilitiesTest {
  @Test
  void readsTheEffectiveSetOnly() {
    String status =
        "Name:\tjava\nCapInh:\t0000000000000000\nCapPrm:\t0000000000001000\n"
            + "CapEff:\t0000000000000000\n";
    assertFalse(Capabilities.hasEffective(status, Capabilities.CAP_NET_ADMIN));
    String netAdmin = "CapPrm:\t0000000000001000\nCapEff:\t0000000000001000\n";
    assertTrue(Capabilities.hasEffective(netAdmin, Capabilities.CAP_NET_ADMIN));
    assertFalse(Capabilities.hasEffective(netAdmin, Capabilities.CAP_NET_RAW));
    assertTrue(Capabilities.hasEffective("CapEff:\t000001ffffffffff\n", Capabilities.CAP_NET_RAW));
  }

  @Test
  void errnoNames() {
    assertEquals("EEXIST (File exists)", Errno.describe(17));
    assertEquals("errno 4095", Errno.describe(4095));
    assertEquals(Errno.EADDRINUSE, Errno.of(98));
  }
}
