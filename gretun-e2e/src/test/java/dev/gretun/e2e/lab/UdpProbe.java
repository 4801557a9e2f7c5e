package dev.gretun.e2e.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny STUN-like UDP tool run inside lab namespaces (only JDK classes, so it starts from the test
 * classes directory). Every line it prints is one event, {@code event key=value ...}.
 *
 * <pre>
 * UdpProbe echo [--first HOST:PORT] [--max-seconds N] ADDR:PORT...
 *     binds every ADDR:PORT; answers "probe" with "seen IP:PORT" (the sender as observed); answers
 *     "probe other" also from every other bound socket ("other IP:PORT"), which is how a third party
 *     tests a NAT's filtering. --first sends "hello" from the first socket to HOST:PORT before
 *     printing "ready". Exits after --max-seconds (default 120).
 * UdpProbe send [--bind ADDR:PORT] [--wait-ms N] [--payload TEXT] HOST:PORT...
 *     sends TEXT (default "probe") to every target from one socket, then prints every datagram
 *     received within --wait-ms (default 1500) as "recv from=IP:PORT text=..." and exits.
 * </pre>
 */
public final class UdpProbe {
  private static final int MAX_DATAGRAM = 1500;

  private UdpProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage();
    }
    List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
    switch (args[0]) {
      case "echo" -> echo(rest, System.out);
      case "send" -> send(rest, System.out);
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: UdpProbe echo|send ... (see the class comment)");
    System.exit(2);
  }

  private static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    if (i < 0) {
      return fallback;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    String value = args.get(i + 1);
    args.subList(i, i + 2).clear();
    return value;
  }

  static InetSocketAddress endpoint(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected ADDR:PORT, got " + text);
    }
    return new InetSocketAddress(
        text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
  }

  static String show(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  private static void echo(List<String> args, PrintStream out) throws Exception {
    String first = option(args, "--first", null);
    long deadline =
        System.nanoTime() + Long.parseLong(option(args, "--max-seconds", "120")) * 1_000_000_000L;
    List<DatagramSocket> sockets = new ArrayList<>();
    for (String a : args) {
      sockets.add(new DatagramSocket(endpoint(a)));
    }
    if (sockets.isEmpty()) {
      throw new IllegalArgumentException("echo needs at least one ADDR:PORT");
    }
    if (first != null) {
      sendText(sockets.getFirst(), endpoint(first), "hello");
      out.println("sent from=" + show(local(sockets.getFirst())) + " to=" + first);
    }
    out.println("ready");
    out.flush();
    List<Thread> threads = new ArrayList<>();
    for (DatagramSocket s : sockets) {
      threads.add(Thread.ofPlatform().start(() -> serve(s, sockets, deadline, out)));
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  private static void serve(
      DatagramSocket s, List<DatagramSocket> all, long deadline, PrintStream out) {
    byte[] buf = new byte[MAX_DATAGRAM];
    String me = show(local(s));
    try (s) {
      s.setSoTimeout(200);
      while (System.nanoTime() < deadline) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          s.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        }
        InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
        String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        synchronized (out) {
          out.println("recv from=" + show(from) + " to=" + me + " text=" + text);
          out.flush();
        }
        if (text.startsWith("probe")) {
          sendText(s, from, "seen " + show(from));
        }
        if (text.equals("probe other")) {
          for (DatagramSocket other : all) {
            if (other != s) {
              sendText(other, from, "other " + show(from));
            }
          }
        }
      }
    } catch (IOException e) {
      out.println("error socket=" + me + " message=" + e.getMessage());
    }
  }

  private static void send(List<String> args, PrintStream out) throws IOException {
    String bind = option(args, "--bind", "0.0.0.0:0");
    long waitMs = Long.parseLong(option(args, "--wait-ms", "1500"));
    String payload = option(args, "--payload", "probe");
    try (DatagramSocket s = new DatagramSocket(endpoint(bind))) {
      out.println("bound local=" + show(local(s)));
      for (String target : args) {
        sendText(s, endpoint(target), payload);
        out.println("sent to=" + target);
      }
      out.flush();
      byte[] buf = new byte[MAX_DATAGRAM];
      long deadline = System.nanoTime() + waitMs * 1_000_000L;
      while (true) {
        long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
        if (leftMs <= 0) {
          break;
        }
        s.setSoTimeout((int) Math.max(1, leftMs));
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          s.receive(p);
        } catch (SocketTimeoutException e) {
          break;
        }
        String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        out.println(
            "recv from=" + show((InetSocketAddress) p.getSocketAddress()) + " text=" + text);
        out.flush();
      }
    }
    out.println("done");
  }

  private static InetSocketAddress local(DatagramSocket s) {
    return (InetSocketAddress) s.getLocalSocketAddress();
  }

  private static void sendText(DatagramSocket s, InetSocketAddress to, String text)
      throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    s.send(new DatagramPacket(b, b.length, to));
  }
}
