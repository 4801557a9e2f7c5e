package dev.gretun.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.Ethtool;
import dev.gretun.core.os.Namespaces;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.testing.Netns;
import dev.gretun.core.tunnel.CreateRequest;
import dev.gretun.core.tunnel.TunnelService;
import dev.gretun.core.tunnel.TunnelValidation;
import dev.gretun.core.wire.netlink.GoldenRequestTest;
import dev.gretun.core.wire.netlink.GreKind;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.IfAddress;
import dev.gretun.core.wire.netlink.Link;
import dev.gretun.core.wire.netlink.LinkStats;
import dev.gretun.core.wire.netlink.RouteInfo;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our netlink code against this machine's kernel, inside a throwaway namespace with a veth pair and
 * a TUN device. The kernel here has no GRE/FOU: creating a tunnel must say so clearly.
 */
class NetnsKernelTest {
  private static Netns ns;
  private static NetlinkLinkControl rtnl;

  @BeforeAll
  static void setUp() {
    ns = Netns.create();
    ns.ip("link", "set", "lo", "up");
    ns.ip("link", "add", "vt0", "type", "veth", "peer", "name", "vt1");
    ns.ip("tuntap", "add", "dev", "tt0", "mode", "tun");
    ns.ip("addr", "add", "10.77.0.1/24", "dev", "vt0");
    ns.ip("link", "set", "vt0", "up");
    ns.ip("link", "set", "vt1", "up");
    rtnl = Namespaces.inNetns(ns.path(), NetlinkLinkControl::open);
  }

  @AfterAll
  static void tearDown() {
    if (rtnl != null) {
      rtnl.close();
    }
    if (ns != null) {
      ns.close();
    }
  }

  private static Map<String, Link> links() {
    return rtnl.links().stream().collect(Collectors.toMap(Link::name, Function.identity()));
  }

  @Test
  void dumpSeesVethAndTun() {
    Map<String, Link> l = links();
    assertEquals("veth", l.get("vt0").kind());
    assertEquals("tun", l.get("tt0").kind());
    assertTrue(l.get("vt0").adminUp());
    assertFalse(l.get("tt0").adminUp());
    assertEquals(l.get("vt0"), rtnl.link("vt0").orElseThrow().withStats(l.get("vt0").stats()));
    assertTrue(rtnl.link("nosuchdev").isEmpty());
  }

  @Test
  void countersOnlyDumpAgreesWithTheLinkDump() {
    ns.host("ip", "netns", "exec", ns.name(), "ping", "-c", "3", "-i", "0.01", "-q", "127.0.0.1");
    Map<Integer, LinkStats> stats = rtnl.linkStats();
    Map<String, Link> l = links();
    assertEquals(
        l.values().stream().map(Link::index).collect(Collectors.toSet()),
        stats.keySet(),
        "the same devices");
    // lo is quiet once the pings are answered (the veths may send IPv6 neighbour discovery).
    Link lo = l.get("lo");
    assertEquals(lo.stats(), stats.get(lo.index()));
    assertTrue(lo.stats().rxPackets() >= 6, lo.stats().toString());
  }

  @Test
  void upDownMtuAliasAndAddrGenMode() {
    int idx = rtnl.link("tt0").orElseThrow().index();
    rtnl.setUp(idx, true);
    assertTrue(rtnl.link("tt0").orElseThrow().adminUp());
    rtnl.setMtu(idx, 1300);
    assertEquals(1300, rtnl.link("tt0").orElseThrow().mtu());
    rtnl.setAlias(idx, "gretun fou_port=7777 fou_owner=1");
    assertEquals("gretun fou_port=7777 fou_owner=1", rtnl.link("tt0").orElseThrow().alias());
    rtnl.setAddrGenModeNone(idx);
    assertTrue(ns.ip("-d", "link", "show", "tt0").contains("addrgenmode none"));
    rtnl.setUp(idx, false);
    assertFalse(rtnl.link("tt0").orElseThrow().adminUp());
  }

  @Test
  void pointToPointAddressAddAndDelete() {
    int idx = rtnl.link("vt1").orElseThrow().index();
    rtnl.addAddress(
        idx, GoldenRequestTest.v4("100.64.0.1"), 32, GoldenRequestTest.v4("100.64.0.2"));
    assertTrue(ns.ip("addr", "show", "vt1").contains("100.64.0.1 peer 100.64.0.2/32"));
    List<IfAddress> mine = rtnl.ipv4Addresses().stream().filter(a -> a.index() == idx).toList();
    assertEquals(1, mine.size());
    assertEquals("100.64.0.1 peer 100.64.0.2/32", mine.get(0).display());
    NetlinkException dup =
        assertThrows(
            NetlinkException.class,
            () ->
                rtnl.addAddress(
                    idx,
                    GoldenRequestTest.v4("100.64.0.1"),
                    32,
                    GoldenRequestTest.v4("100.64.0.2")));
    assertTrue(dup.is(Errno.EEXIST));
    rtnl.deleteAddress(
        idx, GoldenRequestTest.v4("100.64.0.1"), 32, GoldenRequestTest.v4("100.64.0.2"));
    assertFalse(ns.ip("addr", "show", "vt1").contains("100.64.0.1"));
  }

  @Test
  void routeGetGivesTheSourceAddress() {
    RouteInfo r = rtnl.route(GoldenRequestTest.v4("10.77.0.9"));
    assertEquals("10.77.0.1", r.preferredSource().getHostAddress());
    assertEquals(rtnl.link("vt0").orElseThrow().index(), r.outIndex());
    assertEquals("10.77.0.1", rtnl.routeSource(GoldenRequestTest.v4("10.77.0.9")).getHostAddress());
    NetlinkException e =
        assertThrows(NetlinkException.class, () -> rtnl.route(GoldenRequestTest.v4("192.0.2.1")));
    assertTrue(e.is(Errno.ENETUNREACH), e.getMessage());
  }

  @Test
  void deleteLinkRemovesIt() {
    ns.ip("link", "add", "dummyish", "type", "veth", "peer", "name", "dummyish2");
    rtnl.deleteLink(rtnl.link("dummyish").orElseThrow().index());
    assertTrue(rtnl.link("dummyish").isEmpty());
    assertTrue(rtnl.link("dummyish2").isEmpty(), "veth peer goes with it");
  }

  @Test
  void greOnThisKernelFailsWithTheClearMessage() {
    NetlinkException raw =
        assertThrows(
            NetlinkException.class,
            () ->
                rtnl.addGreLink(
                    new GreLinkSpec(
                        "gt0",
                        GreKind.GRE,
                        GoldenRequestTest.v4("10.77.0.1"),
                        GoldenRequestTest.v4("10.77.0.2"),
                        null,
                        64,
                        false,
                        0,
                        0,
                        0,
                        false)));
    assertTrue(raw.is(Errno.EOPNOTSUPP), raw.getMessage());
    for (String encap : new String[] {"none", "fou"}) {
      GretunException e =
          assertThrows(
              GretunException.class,
              () ->
                  Namespaces.inNetns(
                      ns.path(),
                      () -> {
                        try (NetlinkLinkControl k = NetlinkLinkControl.open()) {
                          return new TunnelService(k, () -> true)
                              .create(
                                  TunnelValidation.validate(
                                          new CreateRequest(
                                              "gt0",
                                              "10.77.0.1",
                                              "10.77.0.2",
                                              null,
                                              null,
                                              null,
                                              encap,
                                              null,
                                              encap.equals("fou") ? 7777 : null,
                                              null,
                                              null,
                                              "100.64.0.1/24",
                                              null,
                                              null))
                                      .spec(),
                                  List.of());
                        }
                      }));
      assertEquals("kernel lacks ip_gre/fou: modprobe fou ip_gre", e.getMessage());
      assertEquals("kernel_support", e.code());
    }
    assertTrue(rtnl.link("gt0").isEmpty(), "nothing left behind");
  }

  @Test
  void fouFamilyIsAbsentHere() {
    try (Fou fou = Namespaces.inNetns(ns.path(), Fou::open)) {
      NetlinkException e = assertThrows(NetlinkException.class, fou::familyId);
      assertTrue(e.is(Errno.ENOENT), e.getMessage());
    }
    NetlinkException viaPort = assertThrows(NetlinkException.class, rtnl::fouPorts);
    assertTrue(viaPort.is(Errno.ENOENT), viaPort.getMessage());
  }

  /**
   * The ethtool ioctl acts on the namespace the control was opened in: turning transmit checksum
   * offload off on the test's veth (which offers it) is seen by a fresh ioctl socket there, and the
   * root namespace has no such device.
   */
  @Test
  void txChecksumOffloadTurnsOffAndOnInTheNamespace() throws Exception {
    try (Ethtool probe = Namespaces.inNetns(ns.path(), Ethtool::open)) {
      assertTrue(probe.txChecksum("vt0"), "veth starts with checksum offload");
      rtnl.setTxChecksum("vt0", false);
      assertFalse(probe.txChecksum("vt0"));
      assertTrue(probe.txChecksum("vt1"), "only the named device changed");
      rtnl.setTxChecksum("vt0", true);
      assertTrue(probe.txChecksum("vt0"));
      NetlinkException missing =
          assertThrows(NetlinkException.class, () -> rtnl.setTxChecksum("gtnosuch", false));
      assertTrue(missing.is(Errno.ENODEV), missing.getMessage());
    }
  }
}
