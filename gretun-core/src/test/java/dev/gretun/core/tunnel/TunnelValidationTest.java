package dev.gretun.core.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TunnelValidationTest {
  private static CreateRequest req(String name, String local, String remote) {
    return new CreateRequest(
        name, local, remote, null, null, null, null, null, null, null, null, null, null, null);
  }

  private static String failure(Runnable r) {
    GretunException e = assertThrows(GretunException.class, r::run);
    assertEquals(TunnelValidation.CODE, e.code());
    return e.getMessage();
  }

  @ParameterizedTest
  @CsvSource({
    "'', is empty",
    "abcdefghijklmnop, at most 15",
    "gt.0, invalid characters",
    "'gt 0', invalid characters",
    "lo, reserved",
    "gre0, reserved",
    "eth1, reserved prefix",
    "veth-x, reserved prefix",
    "br-lan, reserved prefix"
  })
  void badNames(String name, String fragment) {
    String msg = failure(() -> TunnelValidation.validate(req(name, "192.0.2.1", "192.0.2.2")));
    assertTrue(msg.contains(fragment), msg);
  }

  @Test
  void namesThatUpstreamWronglyRejected() {
    assertEquals(
        "local1",
        TunnelValidation.validate(req("local1", "192.0.2.1", "192.0.2.2")).spec().link().name());
    assertEquals("gt_0-a", TunnelValidation.createName("gt_0-a"));
  }

  @ParameterizedTest
  @CsvSource({
    "0.1.2.3, 0.0.0.0/8",
    "127.0.0.1, loopback",
    "169.254.1.1, link-local",
    "224.0.0.5, multicast",
    "255.255.255.255, broadcast",
    "::1, not an IPv4",
    "example.com, not an IPv4",
    "300.1.1.1, not an IPv4"
  })
  void badOuterAddresses(String addr, String fragment) {
    String msg = failure(() -> TunnelValidation.validate(req("gt0", addr, "192.0.2.2")));
    assertTrue(msg.contains(fragment), msg);
  }

  @Test
  void sameLocalAndRemote() {
    assertTrue(
        failure(() -> TunnelValidation.validate(req("gt0", "192.0.2.1", "192.0.2.1")))
            .contains("must differ"));
  }

  @Test
  void cidrRules() {
    assertEquals(31, TunnelValidation.cidr("100.64.0.0/31").prefixLength());
    assertEquals(32, TunnelValidation.cidr("100.64.0.7/32").prefixLength());
    assertTrue(failure(() -> TunnelValidation.cidr("100.64.0.0/24")).contains("network address"));
    assertTrue(failure(() -> TunnelValidation.cidr("100.64.0.255/24")).contains("broadcast"));
    assertTrue(failure(() -> TunnelValidation.cidr("100.64.0.1")).contains("prefix length"));
    assertTrue(failure(() -> TunnelValidation.cidr("100.64.0.1/33")).contains("1-32"));
  }

  @Test
  void numericRanges() {
    assertTrue(failure(() -> TunnelValidation.port("--encap-dport", 0)).contains("1-65535"));
    assertTrue(failure(() -> TunnelValidation.port("--fou-port", 65536)).contains("1-65535"));
    assertTrue(failure(() -> TunnelValidation.key(0)).contains("1-4294967295"));
    assertTrue(failure(() -> TunnelValidation.key(1L << 32)).contains("1-4294967295"));
    assertTrue(failure(() -> TunnelValidation.ttl(0)).contains("1-255"));
    assertTrue(failure(() -> TunnelValidation.mtu(575)).contains("576-9000"));
  }

  @Test
  void fouDefaultsAndRules() {
    CreateRequest fou =
        new CreateRequest(
            "gt0",
            "192.0.2.1",
            "192.0.2.2",
            null,
            null,
            null,
            "fou",
            null,
            443,
            null,
            null,
            null,
            null,
            null);
    TunnelValidation.Result r = TunnelValidation.validate(fou);
    assertEquals(443, r.spec().fouPort());
    assertEquals(443, r.spec().link().encapSport());
    assertEquals(false, r.spec().link().encapCsum());
    assertTrue(r.warnings().get(0).contains("HTTPS"), r.warnings().toString());
    CreateRequest auto =
        new CreateRequest(
            "gt0",
            "192.0.2.1",
            "192.0.2.2",
            null,
            null,
            null,
            "fou",
            "auto",
            9000,
            true,
            7777,
            null,
            null,
            null);
    TunnelSpec s = TunnelValidation.validate(auto).spec();
    assertEquals(0, s.link().encapSport());
    assertEquals(7777, s.fouPort());
    assertEquals(9000, s.link().encapDport());
    assertTrue(s.link().encapCsum());
    CreateRequest noDport =
        new CreateRequest(
            "gt0",
            "192.0.2.1",
            "192.0.2.2",
            null,
            null,
            null,
            "fou",
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    assertTrue(
        failure(() -> TunnelValidation.validate(noDport)).contains("--encap-dport is required"));
    CreateRequest gue =
        new CreateRequest(
            "gt0",
            "192.0.2.1",
            "192.0.2.2",
            null,
            null,
            null,
            "gue",
            null,
            1,
            null,
            null,
            null,
            null,
            null);
    assertTrue(failure(() -> TunnelValidation.validate(gue)).contains("none or fou"));
    CreateRequest bare = req("gt0", "192.0.2.1", "192.0.2.2");
    assertNull(TunnelValidation.validate(bare).spec().effectiveMtu());
    assertEquals(64, TunnelValidation.validate(bare).spec().link().ttl());
  }
}
