package dev.gretun.core.os;

import dev.gretun.core.wire.ip.Ipv4Header;
import dev.gretun.core.wire.ip.Ipv4Packets;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs inside a throwaway network namespace (started by {@link TunDeviceNetnsTest} through {@code
 * ip netns exec}): opens a TUN device, sends a UDP datagram into it and reads the packet, writes a
 * reply that a socket receives, and checks that close() unblocks a waiting reader. Exits 0 and
 * prints {@code ok} on success; any failure throws (exit 1).
 */
public final class TunNetnsProbe {
  static final String DEVICE = "gretun-test0";

  private TunNetnsProbe() {}

  public static void main(String[] args) throws Exception {
    var packets = new ArrayBlockingQueue<byte[]>(64);
    var readerEnd = new AtomicReference<Throwable>();
    try (var tun = TunDevice.open(DEVICE)) {
      check(tun.name().equals(DEVICE), "device name " + tun.name());
      run("ip", "addr", "add", "10.99.0.1/24", "dev", DEVICE);
      run("ip", "link", "set", DEVICE, "up");
      Thread reader =
          Thread.ofPlatform().name("tun-reader").start(() -> readLoop(tun, packets, readerEnd));

      try (var socket = new DatagramSocket(new InetSocketAddress("10.99.0.1", 0))) {
        socket.setSoTimeout(5000);
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        socket.send(
            new DatagramPacket(ping, ping.length, new InetSocketAddress("10.99.0.2", 5000)));

        ByteBuffer packet = awaitUdp(packets);
        var h = Ipv4Header.parse(packet);
        check(h.sourceAddress().getHostAddress().equals("10.99.0.1"), "src " + h.sourceAddress());
        check(
            h.destinationAddress().getHostAddress().equals("10.99.0.2"),
            "dst " + h.destinationAddress());
        int udp = h.headerLength();
        int srcPort = Short.toUnsignedInt(packet.getShort(udp));
        check(srcPort == socket.getLocalPort(), "udp src port " + srcPort);
        check(Short.toUnsignedInt(packet.getShort(udp + 2)) == 5000, "udp dst port");
        String payload =
            new String(
                packet.array(), udp + 8, h.totalLength() - udp - 8, StandardCharsets.US_ASCII);
        check(payload.equals("ping"), "payload " + payload);
        System.out.println(
            "read udp "
                + h.sourceAddress().getHostAddress()
                + ":"
                + srcPort
                + " -> 10.99.0.2:5000 ping");

        var reply = ByteBuffer.allocateDirect(64);
        Ipv4Packets.writeUdp(
            reply,
            ip("10.99.0.2"),
            5000,
            ip("10.99.0.1"),
            srcPort,
            64,
            ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
        reply.flip();
        tun.write(reply);
        var in = new DatagramPacket(new byte[64], 64);
        socket.receive(in);
        String got = new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII);
        check(got.equals("pong"), "socket got " + got);
        check(
            in.getSocketAddress().equals(new InetSocketAddress("10.99.0.2", 5000)),
            "from " + in.getSocketAddress());
        System.out.println("socket received pong from " + in.getSocketAddress());
      }

      packets.clear();
      Thread.sleep(200); // let the reader block in poll(2)
      long start = System.nanoTime();
      tun.close();
      reader.join(TimeUnit.SECONDS.toMillis(5));
      check(!reader.isAlive(), "reader still blocked after close()");
      check(readerEnd.get() instanceof TunClosedException, "reader ended with " + readerEnd.get());
      System.out.printf(
          "close unblocked the reader in %d ms%n", (System.nanoTime() - start) / 1_000_000);
      try {
        tun.write(ByteBuffer.allocateDirect(20));
        check(false, "write after close");
      } catch (TunClosedException expected) {
        // closed devices refuse I/O
      }
    }
    Process show =
        new ProcessBuilder("ip", "link", "show", DEVICE).redirectErrorStream(true).start();
    check(show.waitFor() != 0, "device still exists after close");
    System.out.println("ok");
  }

  private static void readLoop(
      TunDevice tun, BlockingQueue<byte[]> out, AtomicReference<Throwable> end) {
    var buf = ByteBuffer.allocateDirect(2048);
    try {
      while (true) {
        buf.clear();
        int n = tun.read(buf);
        byte[] copy = new byte[n];
        buf.flip().get(copy);
        out.offer(copy);
      }
    } catch (Throwable t) {
      end.set(t);
    }
  }

  /** The first IPv4 UDP packet (the kernel also sends IPv6 router solicitations and the like). */
  private static ByteBuffer awaitUdp(BlockingQueue<byte[]> packets) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      byte[] p = packets.poll(100, TimeUnit.MILLISECONDS);
      if (p != null && p.length >= 20 && (p[0] & 0xf0) == 0x40 && p[9] == Ipv4Header.PROTO_UDP) {
        return ByteBuffer.wrap(p);
      }
    }
    throw new AssertionError("no IPv4 UDP packet read from the TUN device in 5 s");
  }

  private static int ip(String text) throws IOException {
    return Ipv4Header.toInt((Inet4Address) InetAddress.getByName(text));
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
