package dev.gretun.core.dataplane.kernel;

import static dev.gretun.core.link.FakeLinkControl.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.link.FakeLinkControl;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.wire.netlink.Fixtures;
import dev.gretun.core.wire.netlink.GreKind;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import dev.gretun.core.wire.netlink.RtnlMessages;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel plane's relay path against an in-memory kernel: a peer without a sending direct path
 * has its device pointed at the relay, re-pointed in place (never deleted) as the direct path comes
 * and goes, and relayed inbound data never confirms the direct path.
 */
class KernelRelayTest {
  private static final int P = 7777;
  private static final int KEY = 0xdeadbeef;
  private static final InetSocketAddress RELAY = new InetSocketAddress(v4("192.0.2.10"), 3480);
  private static final InetSocketAddress DIRECT = new InetSocketAddress(v4("203.0.113.10"), 40000);
  private final FakeLinkControl kernel = new FakeLinkControl();
  private final List<String> probes = new ArrayList<>();
  private final Map<String, Integer> sysctl = new HashMap<>();
  private long now = 1_000_000_000L;
  @TempDir Path claimDir;

  private KernelDataplane open() {
    return KernelDataplane.create(
        new KernelDataplane.Config(P, v4("100.64.0.1"), 24, claimDir),
        kernel,
        new SourceAddresses(kernel),
        new KernelDataplaneTest.FakeIo(),
        new KernelDataplane.ProbeSender() {
          @Override
          public void send(byte[] inner, int dstIp) {
            probes.add(inner.length + " to " + SockAddrIn.toInet(dstIp).getHostAddress());
          }

          @Override
          public void close() {}
        },
        new DataplaneCounters(),
        () -> now,
        new ReversePathFilter.ProcSys() {
          @Override
          public int read(String key) {
            return sysctl.getOrDefault(key, 0);
          }

          @Override
          public void write(String key, int value) {
            sysctl.put(key, value);
          }
        });
  }

  /** Peer "b" (key {@link #KEY}, 100.64.0.2), no direct path yet, the relay known. */
  private static PeerRoute relayed() {
    return PeerRoute.idle("b", KEY, v4("100.64.0.2")).withRelay(RELAY);
  }

  private static GreLinkSpec spec(InetSocketAddress target) {
    return new GreLinkSpec(
        "gtdeadbeef",
        GreKind.GRE,
        v4("192.168.1.10"),
        (java.net.Inet4Address) target.getAddress(),
        0xdeadbeefL,
        64,
        false,
        1,
        P,
        target.getPort(),
        false);
  }

  private PeerTraffic read(KernelDataplane dp) {
    now += 1_000_000_000L; // past the 200 ms poll interval
    return dp.readTraffic().get("b");
  }

  @Test
  void thePlaneCarriesTheRelay() {
    try (KernelDataplane dp = open()) {
      assertTrue(dp.carriesRelay());
    }
  }

  @Test
  void aPeerWithoutADirectPathGetsADeviceTowardTheRelay() {
    try (KernelDataplane dp = open()) {
      kernel.calls.clear();
      dp.apply(List.of(relayed()));
      assertEquals(
          List.of(
              "route-get 192.0.2.10",
              "add gtdeadbeef",
              "alias gtdeadbeef gretun fou_port=7777 fou_owner=0 daemon=1",
              "addrgenmode-none gtdeadbeef",
              "mtu gtdeadbeef 1464",
              "addr gtdeadbeef 100.64.0.1 peer 100.64.0.2",
              "tx-csum gtdeadbeef off",
              "up gtdeadbeef"),
          kernel.calls,
          "toward the relay the device finishes inner checksums itself");
      int index = kernel.links.get("gtdeadbeef").index();
      assertEquals(spec(RELAY), kernel.specs.get(index));
      assertEquals(1, sysctl.get("net/ipv4/conf/gtdeadbeef/rp_filter"), "strict rp_filter");
      dp.probe("b", new byte[36]);
      assertEquals(List.of(), probes, "the data-path probe never goes through the relay");
    }
  }

  @Test
  void theDeviceIsRepointedInPlaceBetweenRelayAndDirect() {
    try (KernelDataplane dp = open()) {
      dp.apply(List.of(relayed()));
      int index = kernel.links.get("gtdeadbeef").index();
      kernel.calls.clear();

      dp.apply(List.of(relayed().withEndpoint(DIRECT))); // the punch found a path
      dp.probe("b", new byte[36]);
      dp.apply(List.of(relayed().withEndpoint(DIRECT).withSending(false))); // no_path
      dp.apply(List.of(relayed().withEndpoint(DIRECT))); // a later punch
      assertEquals(
          List.of(
              "route-get 203.0.113.10",
              "change gtdeadbeef dport=40000",
              "tx-csum gtdeadbeef on",
              "route-get 192.0.2.10",
              "change gtdeadbeef dport=3480",
              "tx-csum gtdeadbeef off",
              "route-get 203.0.113.10",
              "change gtdeadbeef dport=40000",
              "tx-csum gtdeadbeef on"),
          kernel.calls,
          "changed in place, never deleted, never taken down; checksum offload only off at the relay");
      assertEquals(Set.of(), kernel.txChecksumOff);
      assertEquals(index, kernel.links.get("gtdeadbeef").index(), "same device");
      assertEquals(spec(DIRECT), kernel.specs.get(index));
      assertTrue(kernel.links.get("gtdeadbeef").adminUp());
      assertEquals(List.of("36 to 100.64.0.2"), probes, "probed on the direct path");
      assertEquals(1, kernel.addresses.size(), "the device keeps its address (and /32 route)");
    }
  }

  /** The request that points the device at the relay is what iproute2 sends for the same. */
  @Test
  void theRepointRequestMatchesIproute2ByteForByte() {
    try (KernelDataplane dp = open()) {
      dp.apply(List.of(relayed().withEndpoint(DIRECT)));
      dp.apply(List.of(relayed()));
      GreLinkSpec sent = kernel.specs.get(kernel.links.get("gtdeadbeef").index());
      byte[] expected = Fixtures.bytes("gre-change-relay.req");
      int capturedIndex = ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN).getInt(20);
      byte[] ours =
          RtnlMessages.changeGreLink(capturedIndex, sent).build(Fixtures.seq(expected), 0);
      assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(ours));
    }
  }

  @Test
  void relayedInboundDataIsCountedButConfirmsNothing() {
    try (KernelDataplane dp = open()) {
      dp.apply(List.of(relayed()));
      kernel.setStats("gtdeadbeef", 10, 1000, 5, 500);
      PeerTraffic t = read(dp);
      assertEquals(1000, t.rxBytes());
      assertFalse(t.inboundSeen(), "relayed data says nothing about the direct path");

      // More relayed packets arrive after the last poll, then the device leaves the relay: they
      // are taken in as relayed, so the switch itself confirms nothing.
      kernel.setStats("gtdeadbeef", 12, 1200, 5, 500);
      dp.apply(List.of(relayed().withEndpoint(DIRECT)));
      t = read(dp);
      assertEquals(1200, t.rxBytes());
      assertFalse(t.inboundSeen());

      kernel.setStats("gtdeadbeef", 13, 1300, 6, 600); // data over the direct path
      t = read(dp);
      assertEquals(1300, t.rxBytes());
      assertTrue(t.inboundSeen(), "inbound data on the direct path confirms it");
    }
  }

  @Test
  void withoutARelayALostPathStillTakesTheLinkDown() {
    try (KernelDataplane dp = open()) {
      PeerRoute direct = PeerRoute.idle("b", KEY, v4("100.64.0.2")).withEndpoint(DIRECT);
      dp.apply(List.of(direct));
      kernel.calls.clear();
      dp.apply(List.of(direct.withSending(false)));
      assertEquals(List.of("down gtdeadbeef"), kernel.calls);
    }
  }
}
