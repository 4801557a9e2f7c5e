package dev.gretun.core.dataplane.kernel;

import static dev.gretun.core.link.FakeLinkControl.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.GretunException;
import dev.gretun.core.dataplane.DataplaneCounters;
import dev.gretun.core.dataplane.DiscoStunPacket;
import dev.gretun.core.dataplane.PeerRoute;
import dev.gretun.core.dataplane.PeerTraffic;
import dev.gretun.core.link.FakeLinkControl;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.SockAddrIn;
import dev.gretun.core.wire.netlink.GreLinkSpec;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel data plane's device management against an in-memory kernel. */
class KernelDataplaneTest {
  private static final int P = 7777;
  private static final int KEY = 0xdeadbeef;
  private final FakeLinkControl kernel = new FakeLinkControl();
  private final FakeIo io = new FakeIo();
  private final List<String> probes = new ArrayList<>();
  private final DataplaneCounters counters = new DataplaneCounters();
  private final Map<String, Integer> sysctl = new HashMap<>(Map.of(ReversePathFilter.ALL, 0));
  private long now = 1_000_000_000L;
  @TempDir Path claimDir;

  /** /proc/sys as a map; a key never written reads as the kernel default for new devices, 0. */
  private final ReversePathFilter.ProcSys procSys =
      new ReversePathFilter.ProcSys() {
        @Override
        public int read(String key) {
          return sysctl.getOrDefault(key, 0);
        }

        @Override
        public void write(String key, int value) {
          sysctl.put(key, value);
        }
      };

  /** Disco/STUN I/O that records sends and receives nothing. */
  static final class FakeIo implements DiscoStunIo {
    final List<String> sent = new ArrayList<>();
    final ConcurrentLinkedQueue<Integer> sendErrnos = new ConcurrentLinkedQueue<>();
    volatile int runErrno;
    boolean closed;

    @Override
    public boolean send(byte[] data, int off, int len, InetSocketAddress to, int ttl)
        throws ErrnoException {
      Integer errno = sendErrnos.poll();
      if (errno != null) {
        throw new ErrnoException("sendto", errno);
      }
      sent.add(len + " bytes to " + to + " ttl " + ttl);
      return true;
    }

    @Override
    public void run(Predicate<DiscoStunPacket> sink, DataplaneCounters counters)
        throws ErrnoException {
      if (runErrno != 0) {
        throw new ErrnoException("recvmsg", runErrno);
      }
    }

    @Override
    public void stop() {}

    @Override
    public void close() {
      closed = true;
    }
  }

  private KernelDataplane open() {
    return KernelDataplane.create(
        new KernelDataplane.Config(P, v4("100.64.0.1"), 24, claimDir),
        kernel,
        new SourceAddresses(kernel),
        io,
        new KernelDataplane.ProbeSender() {
          @Override
          public void send(byte[] inner, int dstIp) {
            probes.add(inner.length + " to " + SockAddrIn.toInet(dstIp).getHostAddress());
          }

          @Override
          public void close() {}
        },
        counters,
        () -> now,
        procSys);
  }

  /** Peer "b" (key {@link #KEY}, 100.64.0.2) sending to {@code endpoint:port}. */
  private static PeerRoute peer(String endpoint, int port) {
    return PeerRoute.idle("b", KEY, v4("100.64.0.2"))
        .withEndpoint(new InetSocketAddress(v4(endpoint), port));
  }

  private static PeerTraffic trafficOf(KernelDataplane dp, String peer) {
    return dp.readTraffic().get(peer);
  }

  @Test
  void deviceNamesAreStableAndShort() {
    assertEquals("gtdeadbeef", PeerDevices.name(KEY));
    assertEquals("gt00000007", PeerDevices.name(7));
    assertTrue(PeerDevices.name(KEY).length() <= 15);
    assertTrue(PeerDevices.looksLikeDeviceName("gt0000abcd"));
    assertFalse(PeerDevices.looksLikeDeviceName("gt0"));
    assertEquals("gretun fou_port=7777 fou_owner=0 daemon=1", PeerDevices.alias(P));
  }

  @Test
  void startRemovesOnlyOurOwnLeftoversThenOpensFouAndTheGuardRoute() {
    kernel.existing("gt11111111", "gre", PeerDevices.alias(P)); // ours, from a SIGKILLed run
    kernel.existing("gt22222222", "gre", PeerDevices.alias(P + 1)); // another daemon's
    kernel.existing("gt33333333", "gre", "gretun fou_port=7777 fou_owner=1"); // gretun create
    kernel.existing("gt44444444", "gre", null); // someone's
    kernel.existing("gt55555555", "veth", PeerDevices.alias(P)); // not gre
    kernel.existing("mytunnel", "gre", PeerDevices.alias(P)); // not our name pattern
    try (KernelDataplane dp = open()) {
      assertEquals(
          List.of("del gt11111111", "fou-add 7777", "route-add 100.64.0.0/24 metric 4000"),
          kernel.calls);
      assertEquals(5, kernel.links.size());
      assertTrue(Files.exists(claimDir.resolve("kernel-fou-7777.claim")));
    }
  }

  @Test
  void aFouPortWeClaimedBeforeIsTakenBackAForeignOneIsNot() throws Exception {
    kernel.fou.add(P);
    GretunException e = assertThrows(GretunException.class, this::open);
    assertEquals("address_in_use", e.code());
    assertTrue(e.getMessage().contains("ip fou del port 7777"), e.getMessage());
    assertTrue(io.closed, "sockets are released on failure");
    assertEquals(List.of(P), kernel.fou, "a foreign FOU port is left alone");

    Files.writeString(claimDir.resolve("kernel-fou-7777.claim"), "fou_port=7777 pid=1\n");
    kernel.calls.clear();
    try (KernelDataplane dp = open()) {
      assertEquals(List.of("fou-add 7777", "route-add 100.64.0.0/24 metric 4000"), kernel.calls);
    }
    assertTrue(kernel.fou.isEmpty(), "closed on exit like one we opened");
  }

  @Test
  void configurePathCreatesAKeyedFouDeviceAndRetargetsItInPlace() {
    try (KernelDataplane dp = open()) {
      PeerRoute path = peer("203.0.113.10", 40000);
      kernel.calls.clear();
      dp.apply(List.of(PeerRoute.idle("b", KEY, v4("100.64.0.2"))));
      assertEquals(List.of(), kernel.calls, "no device before an endpoint");
      dp.apply(List.of(path));
      assertEquals(
          List.of(
              "route-get 203.0.113.10",
              "add gtdeadbeef",
              "alias gtdeadbeef gretun fou_port=7777 fou_owner=0 daemon=1",
              "addrgenmode-none gtdeadbeef",
              "mtu gtdeadbeef 1464",
              "addr gtdeadbeef 100.64.0.1 peer 100.64.0.2",
              "up gtdeadbeef"),
          kernel.calls);
      int index = kernel.links.get("gtdeadbeef").index();
      GreLinkSpec spec = kernel.specs.get(index);
      assertEquals(
          new GreLinkSpec(
              "gtdeadbeef",
              dev.gretun.core.wire.netlink.GreKind.GRE,
              v4("192.168.1.10"),
              v4("203.0.113.10"),
              0xdeadbeefL,
              64,
              false,
              1,
              P,
              40000,
              false),
          spec);
      assertTrue(kernel.links.get("gtdeadbeef").adminUp());

      kernel.calls.clear();
      dp.apply(List.of(path)); // same endpoint: nothing to change
      assertEquals(List.of(), kernel.calls);

      kernel.calls.clear();
      dp.apply(List.of(peer("203.0.113.10", 40001))); // the NAT remapped
      assertEquals(
          List.of("route-get 203.0.113.10", "change gtdeadbeef dport=40001"), kernel.calls);
      assertEquals(index, kernel.links.get("gtdeadbeef").index(), "same device");
      assertEquals(List.of("gtdeadbeef"), dp.deviceNames());
    }
  }

  @Test
  void pathLossTakesTheLinkDownAndBackUpKeepingTheDevice() {
    try (KernelDataplane dp = open()) {
      PeerRoute path = peer("203.0.113.10", 40000);
      dp.apply(List.of(path));
      kernel.calls.clear();
      dp.apply(List.of(path.withSending(false)));
      dp.probe("b", new byte[36]); // no probe through a down link
      dp.apply(List.of(path));
      dp.probe("b", new byte[36]);
      assertEquals(List.of("down gtdeadbeef", "up gtdeadbeef"), kernel.calls);
      assertEquals(List.of("36 to 100.64.0.2"), probes);
    }
  }

  @Test
  void pollTurnsRxCountersIntoInboundSeenAndTraffic() {
    try (KernelDataplane dp = open()) {
      dp.apply(List.of(peer("203.0.113.10", 40000)));
      assertFalse(trafficOf(dp, "b").inboundSeen());
      kernel.setStats("gtdeadbeef", 0, 0, 3, 252); // our probes went out, nothing came back
      now += 300_000_000L;
      PeerTraffic t = trafficOf(dp, "b");
      assertFalse(t.inboundSeen());
      assertEquals(252, t.txBytes());
      kernel.setStats("gtdeadbeef", 2, 168, 3, 252);
      now += 100_000_000L; // too soon: not read yet
      assertFalse(trafficOf(dp, "b").inboundSeen());
      now += 200_000_000L;
      t = trafficOf(dp, "b");
      assertTrue(t.inboundSeen());
      assertEquals(168, t.rxBytes());
      assertEquals(2, t.rxPackets());
      assertEquals(2, counters.rxPackets.sum());
      assertFalse(trafficOf(dp, "b").inboundSeen(), "reported once");
    }
  }

  @Test
  void closeRemovesDevicesRouteFouPortAndClaim() {
    KernelDataplane dp = open();
    PeerRoute one = peer("203.0.113.10", 40000);
    PeerRoute two =
        PeerRoute.idle("c", 7, v4("100.64.0.3"))
            .withEndpoint(new InetSocketAddress(v4("198.51.100.10"), 7777));
    dp.apply(List.of(one, two));
    assertEquals(List.of("gt00000007", "gtdeadbeef"), dp.deviceNames());
    dp.apply(List.of(one));
    assertFalse(kernel.links.containsKey("gt00000007"));
    kernel.calls.clear();
    dp.close();
    assertEquals(
        List.of("del gtdeadbeef", "route-del 100.64.0.0/24 metric 4000", "fou-del 7777"),
        kernel.calls);
    assertTrue(kernel.closed && io.closed);
    assertFalse(Files.exists(claimDir.resolve("kernel-fou-7777.claim")));
  }

  @Test
  void discoStunSendsGoThroughTheRawPath() throws Exception {
    try (KernelDataplane dp = open()) {
      byte[] ping = new byte[90];
      assertTrue(
          dp.sendDiscoStun(
              ping, 0, ping.length, new InetSocketAddress(v4("203.0.113.10"), 40000), 2));
      assertEquals(List.of("90 bytes to /203.0.113.10:40000 ttl 2"), io.sent);
      assertEquals(P, dp.port());
    }
  }

  @Test
  void aDeviceDeletedUnderUsIsRecreatedByTheNextConfigure() {
    try (KernelDataplane dp = open()) {
      PeerRoute path = peer("203.0.113.10", 40000);
      dp.apply(List.of(path));
      kernel.deleteLink(kernel.links.get("gtdeadbeef").index()); // an operator's ip link del
      dp.apply(List.of(path.withSending(false)));
      assertEquals(List.of(), dp.deviceNames());
      assertEquals("device gtdeadbeef deleted", trafficOf(dp, "b").pathLost());
      assertNull(trafficOf(dp, "b").pathLost(), "reported once");
      dp.apply(List.of(path));
      assertEquals(List.of("gtdeadbeef"), dp.deviceNames());
      assertTrue(kernel.links.get("gtdeadbeef").adminUp());
    }
  }

  @Test
  void aDeviceMissingFromTheLinkDumpIsReportedAsPathLost() {
    try (KernelDataplane dp = open()) {
      dp.apply(List.of(peer("203.0.113.10", 40000)));
      assertNull(trafficOf(dp, "b").pathLost());
      kernel.deleteLink(kernel.links.get("gtdeadbeef").index());
      now += 300_000_000L;
      assertEquals("device gtdeadbeef deleted", trafficOf(dp, "b").pathLost());
      assertEquals(List.of(), dp.deviceNames());
    }
  }

  @Test
  void everyPeerDeviceGetsStrictReversePathFilteringAndDriftIsPutBack() {
    try (KernelDataplane dp = open()) {
      dp.apply(List.of(peer("203.0.113.10", 40000)));
      assertEquals(1, sysctl.get(ReversePathFilter.key("gtdeadbeef")));
      assertEquals(0, sysctl.get(ReversePathFilter.ALL), "all=0 is left alone: max(0, 1) = 1");
      sysctl.put(ReversePathFilter.key("gtdeadbeef"), 2); // e.g. udev applying a distro default
      now += ReversePathFilter.RECHECK_NANOS;
      dp.readTraffic();
      assertEquals(1, sysctl.get(ReversePathFilter.key("gtdeadbeef")));
    }
  }

  @Test
  void looseAllIsLoweredWhileRunningAndRestoredAtClose() {
    sysctl.put(ReversePathFilter.ALL, 2);
    KernelDataplane dp = open();
    assertEquals(1, sysctl.get(ReversePathFilter.ALL), "max(2, 1) would be loose");
    dp.close();
    assertEquals(2, sysctl.get(ReversePathFilter.ALL));
  }

  @Test
  void aSecondPeerOnTheSameGreKeyGetsNoDeviceAndTheFirstKeepsIts() {
    try (KernelDataplane dp = open()) {
      PeerRoute b = peer("203.0.113.10", 40000);
      PeerRoute c =
          PeerRoute.idle("c", KEY, v4("100.64.0.3"))
              .withEndpoint(new InetSocketAddress(v4("203.0.113.10"), 40001));
      dp.apply(List.of(b, c));
      dp.apply(List.of(c, b));
      assertEquals(List.of("gtdeadbeef"), dp.deviceNames());
      assertEquals(
          40000, kernel.specs.get(kernel.links.get("gtdeadbeef").index()).encapDport(), "b's");
      assertEquals(1, counters.greKeyCollisions.sum(), "logged and counted once");
      assertEquals(List.of("b"), List.copyOf(dp.readTraffic().keySet()));
      dp.apply(List.of(c)); // b left: c may have the key now
      assertEquals(
          40001, kernel.specs.get(kernel.links.get("gtdeadbeef").index()).encapDport(), "c's");
    }
  }

  @Test
  void anUnexpectedSendErrnoIsCountedAndAFatalOneReportsFailure() throws Exception {
    CompletableFuture<String> failure = new CompletableFuture<>();
    try (KernelDataplane dp = open()) {
      dp.onFailure(failure::complete);
      InetSocketAddress to = new InetSocketAddress(v4("203.0.113.10"), 40000);
      io.sendErrnos.add(Errno.EINVAL.value());
      assertFalse(dp.sendDiscoStun(new byte[8], 0, 8, to, 0));
      assertEquals(1, counters.dropSendError.sum());
      assertTrue(dp.sendDiscoStun(new byte[8], 0, 8, to, 0), "the next one goes out");
      assertNull(failure.getNow(null));
      io.sendErrnos.add(Errno.EBADF.value());
      assertThrows(ErrnoException.class, () -> dp.sendDiscoStun(new byte[8], 0, 8, to, 0));
      assertTrue(failure.getNow("").contains("EBADF"), failure.getNow(""));
    }
  }

  @Test
  void aTapThatCannotGoOnReportsFailure() throws Exception {
    CompletableFuture<String> failure = new CompletableFuture<>();
    io.runErrno = Errno.EBADF.value();
    try (KernelDataplane dp = open()) {
      dp.onFailure(failure::complete);
      dp.start(p -> true);
      String why = failure.get(5, TimeUnit.SECONDS);
      assertTrue(why.startsWith("dp-tap: ") && why.contains("EBADF"), why);
    }
  }
}
