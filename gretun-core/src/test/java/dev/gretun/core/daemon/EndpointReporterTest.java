package dev.gretun.core.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.dataplane.userspace.UdpPort;
import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.util.FakeTicker;
import dev.gretun.core.wire.stun.StunMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The endpoint refresh survives a STUN send that the kernel refuses with an errno: the refusal is
 * an IOException on the real send path (UdpPort → Dataplane.sendDiscoStun → StunClient), the STUN
 * transaction fails, and the local endpoints are still posted — on this refresh and the next.
 */
class EndpointReporterTest {
  /** UDP has no port 0: the kernel answers every send there with EINVAL. */
  private static final InetSocketAddress REFUSED_STUN = new InetSocketAddress("127.0.0.1", 0);

  @Test
  void aStunSendFailingWithAnErrnoDoesNotEndTheRefresh() throws Exception {
    try (UdpPort port = UdpPort.bind(0, 100);
        SendOnlyPlane plane = new SendOnlyPlane(port)) {
      RecordingCoordinator coord = new RecordingCoordinator();
      InetSocketAddress local = new InetSocketAddress("192.0.2.7", port.port());
      EndpointReporter reporter =
          new EndpointReporter(
              coord,
              plane,
              List.of(REFUSED_STUN),
              p -> List.of(local),
              new FakeTicker(),
              Runnable::run,
              Runnable::run,
              nat -> {},
              posted -> {},
              servers -> NatType.UNKNOWN,
              () -> {});

      reporter.refresh();
      assertEquals(1, plane.sendAttempts);
      assertEquals(
          List.of(List.of(new CoordWire.Endpoint("192.0.2.7:" + port.port(), "local"))),
          coord.posts);

      coord.registrations++; // re-registered: the next refresh must post again
      reporter.refresh();
      assertEquals(2, plane.sendAttempts);
      assertEquals(2, coord.posts.size());
      assertTrue(reporter.endpoints().contains(local));
    }
  }

  /** The netcheck runs again every 5 minutes: a NAT can change behind unchanged local addresses. */
  @Test
  void theNetcheckRunsAgainPeriodically() throws Exception {
    try (UdpPort port = UdpPort.bind(0, 100);
        SendOnlyPlane plane = new SendOnlyPlane(port)) {
      FakeTicker ticker = new FakeTicker();
      BlockingQueue<Runnable> loop = new LinkedBlockingQueue<>();
      BlockingQueue<NatType> verdicts =
          new LinkedBlockingQueue<>(List.of(NatType.HARD, NatType.EASY));
      List<NatType> told = new ArrayList<>();
      InetSocketAddress local = new InetSocketAddress("192.0.2.7", port.port());
      EndpointReporter reporter =
          new EndpointReporter(
              new RecordingCoordinator(),
              plane,
              List.of(REFUSED_STUN),
              p -> List.of(local),
              ticker,
              Runnable::run,
              loop::add,
              told::add,
              posted -> {},
              servers -> verdicts.remove(),
              () -> {});

      reporter.refresh(); // the first check
      runLoopUntil(loop, () -> told.size() == 1);
      assertEquals(List.of(NatType.HARD), told);

      ticker.advance(Duration.ofMinutes(5));
      reporter.refresh(); // same local addresses, but 5 minutes later: the NAT may have changed
      runLoopUntil(loop, () -> told.size() == 2);
      assertEquals(List.of(NatType.HARD, NatType.EASY), told);
      assertEquals(NatType.EASY, reporter.nat());
    }
  }

  /**
   * A dead STUN server (a coordinator replica that went away) must not hold the mapping back: the
   * first server's answer is posted at once and the peer list released (onKnown), while the dead
   * server's request still waits for its 3 s deadline; that timeout posts nothing new.
   */
  @Test
  void theFirstStunAnswerIsPostedWithoutWaitingForADeadServer() throws Exception {
    InetSocketAddress dead = new InetSocketAddress("192.0.2.10", 3478);
    InetSocketAddress alive = new InetSocketAddress("192.0.2.11", 3478);
    InetSocketAddress mapped = new InetSocketAddress("203.0.113.10", 40303);
    InetSocketAddress local = new InetSocketAddress("10.0.1.3", 7777);
    FakeTicker ticker = new FakeTicker();
    RecordingDataplane plane = new RecordingDataplane();
    RecordingCoordinator coord = new RecordingCoordinator();
    List<String> known = new ArrayList<>();
    EndpointReporter reporter =
        new EndpointReporter(
            coord,
            plane,
            List.of(dead, alive),
            p -> List.of(local),
            ticker,
            Runnable::run,
            Runnable::run,
            nat -> {},
            posted -> {},
            servers -> NatType.UNKNOWN,
            () -> known.add("known"));

    reporter.refresh();
    assertEquals(List.of(dead, alive), plane.sentTo);
    assertEquals(List.of(), coord.posts, "nothing is posted before a server answers");
    assertEquals(List.of(), known);

    ticker.advanceMillis(20);
    byte[] answer =
        StunMessage.bindingSuccess(
                StunMessage.peekTransactionId(plane.sent.get(1), 0), mapped, "test")
            .encode();
    assertTrue(reporter.offerStun(answer, alive));
    List<CoordWire.Endpoint> expected =
        List.of(
            new CoordWire.Endpoint("10.0.1.3:7777", "local"),
            new CoordWire.Endpoint("203.0.113.10:40303", "stun"));
    assertEquals(List.of(expected), coord.posts, "posted at the first answer");
    assertEquals(List.of("known"), known);
    assertTrue(reporter.stunInFlight(), "the dead server's request still waits");

    for (int i = 0; i < 40 && reporter.stunInFlight(); i++) {
      ticker.advanceMillis(100);
      reporter.poll();
    }
    assertTrue(!reporter.stunInFlight(), "the dead server's request timed out");
    assertEquals(1, coord.posts.size(), "the round's end changed nothing, so posted nothing");
    assertEquals(List.of("known"), known, "told once");
    assertEquals(List.of(local, mapped), reporter.endpoints());
  }

  /**
   * A refresh nobody answered (a loaded or briefly unreachable STUN server) is tried again after 2
   * s, then 4 s, not at the next 25 s refresh: until the mapping is posted, peers punch at our LAN
   * address only. The peer table hears whether each post had the mapping.
   */
  @Test
  void aStunRefreshNobodyAnsweredIsRetriedSoonWithBackoff() {
    InetSocketAddress server = new InetSocketAddress("192.0.2.10", 3478);
    InetSocketAddress mapped = new InetSocketAddress("203.0.113.10", 7777);
    InetSocketAddress local = new InetSocketAddress("10.0.1.3", 7777);
    FakeTicker ticker = new FakeTicker();
    RecordingDataplane plane = new RecordingDataplane();
    RecordingCoordinator coord = new RecordingCoordinator();
    List<Boolean> reflexive = new ArrayList<>();
    EndpointReporter reporter =
        new EndpointReporter(
            coord,
            plane,
            List.of(server),
            p -> List.of(local),
            ticker,
            Runnable::run,
            Runnable::run,
            nat -> {},
            reflexive::add,
            servers -> NatType.UNKNOWN,
            () -> {});

    reporter.refresh();
    long failedAt = runUntilNoStunInFlight(reporter, ticker);
    assertEquals(List.of(false), reflexive, "posted our LAN address alone");
    int requests = plane.sentTo.size();

    long firstRetry = runUntilSent(reporter, ticker, plane, requests) - failedAt;
    assertTrue(
        firstRetry >= EndpointReporter.STUN_RETRY_FIRST_NANOS
            && firstRetry < EndpointReporter.STUN_RETRY_FIRST_NANOS + 200_000_000L,
        "first retry after " + firstRetry / 1_000_000 + " ms");
    failedAt = runUntilNoStunInFlight(reporter, ticker);
    requests = plane.sentTo.size();
    long secondRetry = runUntilSent(reporter, ticker, plane, requests) - failedAt;
    assertTrue(
        secondRetry >= 2 * EndpointReporter.STUN_RETRY_FIRST_NANOS
            && secondRetry < 2 * EndpointReporter.STUN_RETRY_FIRST_NANOS + 200_000_000L,
        "second retry after " + secondRetry / 1_000_000 + " ms");

    byte[] answer =
        StunMessage.bindingSuccess(
                StunMessage.peekTransactionId(plane.sent.getLast(), 0), mapped, "test")
            .encode();
    assertTrue(reporter.offerStun(answer, server));
    assertEquals(List.of(false, true), reflexive, "the mapping is posted");
    runUntilNoStunInFlight(reporter, ticker);
    requests = plane.sentTo.size();
    for (int i = 0; i < 300; i++) { // 30 s: answered, so nothing until the periodic refresh
      ticker.advanceMillis(100);
      reporter.poll();
    }
    assertEquals(requests, plane.sentTo.size(), "no retry after an answer");
  }

  /** Runs the loop's tasks (the netcheck's result among them) until {@code done} holds. */
  private static void runLoopUntil(BlockingQueue<Runnable> loop, BooleanSupplier done)
      throws InterruptedException {
    for (int i = 0; i < 10 && !done.getAsBoolean(); i++) {
      Objects.requireNonNull(loop.poll(30, TimeUnit.SECONDS), "no netcheck result").run();
    }
  }

  /** Polls every 100 ms until no STUN request waits; returns that time. */
  private static long runUntilNoStunInFlight(EndpointReporter reporter, FakeTicker ticker) {
    for (int i = 0; i < 100 && reporter.stunInFlight(); i++) {
      ticker.advanceMillis(100);
      reporter.poll();
    }
    assertTrue(!reporter.stunInFlight(), "the STUN round never ended");
    return ticker.nanos();
  }

  /** Polls every 100 ms until more than {@code before} requests were sent; returns that time. */
  private static long runUntilSent(
      EndpointReporter reporter, FakeTicker ticker, RecordingDataplane plane, int before) {
    for (int i = 0; i < 300 && plane.sentTo.size() == before; i++) {
      ticker.advanceMillis(100);
      reporter.poll();
    }
    assertTrue(plane.sentTo.size() > before, "no new STUN request within 30 s");
    return ticker.nanos();
  }

  /** Sends disco/STUN through a real UdpPort, exactly as the userspace plane does. */
  private static final class SendOnlyPlane extends RecordingDataplane {
    private final UdpPort port;
    private final UdpPort.Sender sender;
    int sendAttempts;

    SendOnlyPlane(UdpPort port) {
      this.port = port;
      this.sender = port.sender();
    }

    @Override
    public boolean sendDiscoStun(byte[] data, int off, int len, InetSocketAddress to, int ttl)
        throws IOException {
      sendAttempts++;
      return sender.send(data, off, len, to, ttl);
    }

    @Override
    public int port() {
      return port.port();
    }

    @Override
    public void close() {
      sender.close();
    }
  }

  private static final class RecordingCoordinator implements Coordinator {
    final List<List<CoordWire.Endpoint>> posts = new ArrayList<>();
    int registrations = 1;

    @Override
    public CoordWire.RegisterResponse register() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int registrations() {
      return registrations;
    }

    @Override
    public CoordWire.RegisterResponse registration() {
      return null;
    }

    @Override
    public void postEndpoints(List<CoordWire.Endpoint> endpoints, NatType nat) {
      posts.add(List.copyOf(endpoints));
    }

    @Override
    public void sendSignal(byte[] to, byte[] sealed) {}

    @Override
    public void watchPeers(Consumer<CoordWire.PeersResponse> listener) {}

    @Override
    public void watchSignals(Consumer<CoordWire.Envelope> listener) {}

    @Override
    public void close() {}
  }
}
