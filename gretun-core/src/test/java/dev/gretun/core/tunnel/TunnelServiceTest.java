package dev.gretun.core.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.link.FakeLinkControl;
import dev.gretun.core.link.KernelErrors;
import dev.gretun.core.os.Errno;
import java.util.List;
import org.junit.jupiter.api.Test;

class TunnelServiceTest {
  private final FakeLinkControl kernel = new FakeLinkControl();
  private final TunnelService service = new TunnelService(kernel, () -> true);

  private static TunnelSpec spec(String name, String... extra) {
    CreateRequest base =
        new CreateRequest(
            name,
            "192.0.2.1",
            "198.51.100.2",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    java.util.Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < extra.length; i += 2) {
      m.put(extra[i], extra[i + 1]);
    }
    CreateRequest r =
        new CreateRequest(
            base.name(),
            base.local(),
            m.getOrDefault("remote", base.remote()),
            m.containsKey("key") ? Long.valueOf(m.get("key")) : null,
            null,
            m.get("type"),
            m.get("encap"),
            m.get("sport"),
            m.containsKey("dport") ? Integer.valueOf(m.get("dport")) : null,
            null,
            m.containsKey("fou") ? Integer.valueOf(m.get("fou")) : null,
            m.get("ip"),
            null,
            null);
    return TunnelValidation.validate(r).spec();
  }

  @Test
  void createFouOpensPortSetsMtuAliasAddressAndUp() {
    CreateResult r =
        service.create(
            spec("gt0", "encap", "fou", "dport", "7777", "ip", "100.64.0.1/24"), List.of());
    assertTrue(r.fou_port_created());
    assertEquals(List.of(7777), kernel.fou);
    TunnelStatus t = r.tunnel();
    assertEquals(1468, t.mtu());
    assertTrue(t.up());
    assertTrue(t.managed());
    assertEquals(7777, t.fou_port());
    assertEquals("fou", t.encap());
    assertEquals(7777, t.encap_sport());
    assertEquals(7777, t.encap_dport());
    assertEquals(false, t.encap_csum());
    assertEquals(List.of("100.64.0.1/24"), t.addresses());
    assertEquals("gretun fou_port=7777 fou_owner=1", kernel.links.get("gt0").alias());
    assertTrue(kernel.calls.contains("addrgenmode-none gt0"));
  }

  @Test
  void mtuDefaults() {
    assertEquals(
        1464,
        service
            .create(spec("k", "encap", "fou", "dport", "7000", "key", "9"), List.of())
            .tunnel()
            .mtu());
    assertEquals(
        1450,
        service
            .create(
                spec(
                    "tap",
                    "type",
                    "gretap",
                    "encap",
                    "fou",
                    "dport",
                    "7001",
                    "key",
                    "10",
                    "remote",
                    "198.51.100.3"),
                List.of())
            .tunnel()
            .mtu());
    // Bare GRE keeps the kernel's own MTU (the fake kernel's 1476) and sets none.
    kernel.calls.clear();
    assertEquals(
        1476, service.create(spec("bare", "remote", "198.51.100.9"), List.of()).tunnel().mtu());
    assertTrue(kernel.calls.stream().noneMatch(c -> c.startsWith("mtu ")), kernel.calls.toString());
  }

  @Test
  void deleteRemovesTheFouPortItOpened() {
    service.create(spec("gt0", "encap", "fou", "dport", "7777"), List.of());
    DeleteResult d = service.delete("gt0");
    assertEquals(7777, d.fou_port_removed());
    assertTrue(kernel.links.isEmpty());
    assertTrue(kernel.fou.isEmpty());
  }

  @Test
  void sharedFouPortSurvivesUntilTheLastTunnelAndOwnershipMoves() {
    service.create(spec("a", "encap", "fou", "dport", "7777", "key", "1"), List.of());
    CreateResult b =
        service.create(spec("b", "encap", "fou", "dport", "7777", "key", "2"), List.of());
    assertFalse(b.fou_port_created());
    DeleteResult da = service.delete("a");
    assertNull(da.fou_port_removed());
    assertEquals("b", da.fou_owner_moved_to());
    assertEquals(List.of(7777), kernel.fou);
    assertEquals(7777, service.delete("b").fou_port_removed());
    assertTrue(kernel.fou.isEmpty());
  }

  @Test
  void foreignFouPortIsReusedAndNeverRemoved() {
    kernel.fou.add(5555);
    CreateResult r = service.create(spec("gt0", "encap", "fou", "dport", "5555"), List.of());
    assertFalse(r.fou_port_created());
    assertNull(service.delete("gt0").fou_port_removed());
    assertEquals(List.of(5555), kernel.fou);
  }

  @Test
  void failureAfterLinkCreationRollsBackLinkAndFouPort() {
    kernel.failures.put("setUp", Errno.ENOBUFS.value());
    GretunException e =
        assertThrows(
            GretunException.class,
            () ->
                service.create(
                    spec("gt0", "encap", "fou", "dport", "7777", "ip", "100.64.0.1/24"),
                    List.of()));
    assertEquals("kernel", e.code());
    assertTrue(kernel.links.isEmpty(), kernel.links.toString());
    assertTrue(kernel.fou.isEmpty());
    assertTrue(kernel.addresses.isEmpty());
  }

  @Test
  void kernelWithoutGreSaysWhatToLoad() {
    kernel.failures.put("addGreLink", Errno.EOPNOTSUPP.value());
    GretunException e =
        assertThrows(
            GretunException.class,
            () -> service.create(spec("gt0", "encap", "fou", "dport", "7777"), List.of()));
    assertEquals("kernel_support", e.code());
    assertEquals(KernelErrors.KERNEL_LACKS_GRE, e.getMessage());
    assertTrue(kernel.fou.isEmpty(), "FOU port rolled back");
  }

  @Test
  void kernelWithoutFouFamilySaysWhatToLoad() {
    kernel.fouFamily = false;
    GretunException e =
        assertThrows(
            GretunException.class,
            () -> service.create(spec("gt0", "encap", "fou", "dport", "7777"), List.of()));
    assertEquals("kernel_support", e.code());
    assertEquals("kernel lacks ip_gre/fou: modprobe fou ip_gre", e.getMessage());
  }

  @Test
  void portTakenBySomeoneElse() {
    kernel.failures.put("addFouPort", Errno.EADDRINUSE.value());
    GretunException e =
        assertThrows(
            GretunException.class,
            () -> service.create(spec("gt0", "encap", "fou", "dport", "7777"), List.of()));
    assertEquals("address_in_use", e.code());
    assertTrue(e.getMessage().contains("--fou-port"), e.getMessage());
  }

  @Test
  void duplicateNameAndDuplicateEndpointsAreExplained() {
    service.create(spec("gt0"), List.of());
    GretunException byName =
        assertThrows(GretunException.class, () -> service.create(spec("gt0"), List.of()));
    assertEquals("exists", byName.code());
    GretunException byTuple =
        assertThrows(GretunException.class, () -> service.create(spec("gt1"), List.of()));
    assertEquals("exists", byTuple.code());
    assertTrue(byTuple.getMessage().contains("--key"), byTuple.getMessage());
  }

  @Test
  void permissionIsCheckedFromCapabilities() {
    TunnelService unprivileged = new TunnelService(kernel, () -> false);
    GretunException e =
        assertThrows(GretunException.class, () -> unprivileged.create(spec("gt0"), List.of()));
    assertEquals("permission", e.code());
    assertTrue(e.getMessage().contains("CAP_NET_ADMIN"));
    assertTrue(kernel.calls.isEmpty());
  }

  @Test
  void deleteAndStatusRefuseNonTunnelsAndUnknownNames() {
    assertEquals(
        "not_found", assertThrows(GretunException.class, () -> service.delete("nope")).code());
    assertEquals(
        "not_found", assertThrows(GretunException.class, () -> service.status("nope")).code());
    kernel.links.put(
        "eth9",
        new dev.gretun.core.wire.netlink.Link(
            2,
            "eth9",
            "veth",
            1,
            1500,
            6,
            null,
            null,
            dev.gretun.core.wire.netlink.LinkStats.ZERO));
    assertEquals(
        "not_a_tunnel", assertThrows(GretunException.class, () -> service.delete("eth9")).code());
    assertTrue(kernel.links.containsKey("eth9"));
  }

  @Test
  void listSkipsFallbackDevicesAndSorts() {
    service.create(spec("zz", "remote", "198.51.100.7"), List.of());
    service.create(spec("aa", "remote", "198.51.100.8"), List.of());
    kernel.links.put(
        "gre0",
        new dev.gretun.core.wire.netlink.Link(
            99,
            "gre0",
            "gre",
            0,
            1476,
            2,
            null,
            new dev.gretun.core.wire.netlink.GreInfo(null, null, null, null, 0, true, 0, 0, 0, 0),
            dev.gretun.core.wire.netlink.LinkStats.ZERO));
    assertEquals(List.of("aa", "zz"), service.list().stream().map(TunnelStatus::name).toList());
  }
}
