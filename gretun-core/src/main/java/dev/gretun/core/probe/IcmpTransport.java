package dev.gretun.core.probe;

import dev.gretun.core.GretunException;
import dev.gretun.core.os.Errno;
import dev.gretun.core.os.ErrnoException;
import dev.gretun.core.os.IcmpSocket;
import java.io.IOException;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.Locale;

/** {@link EchoTransport} over an {@link IcmpSocket} connected to the probed host. */
public final class IcmpTransport implements EchoTransport {
  private final IcmpSocket socket;

  private IcmpTransport(IcmpSocket socket) {
    this.socket = socket;
  }

  /**
   * Opens a socket to {@code host}: {@code kind} null means a ping socket when the kernel permits
   * one, else a raw socket.
   */
  public static IcmpTransport open(Inet4Address host, IcmpSocket.Kind kind) {
    try {
      return new IcmpTransport(
          kind == null ? IcmpSocket.connect(host) : IcmpSocket.connect(host, kind));
    } catch (ErrnoException e) {
      if (e.is(Errno.EPERM) || e.is(Errno.EACCES)) {
        throw new GretunException(
            "permission",
            "cannot open an ICMP socket ("
                + e.getMessage()
                + "): run as root, give java CAP_NET_RAW, or allow ping sockets for your group"
                + " with sysctl net.ipv4.ping_group_range=\"0 2147483647\"");
      }
      throw new GretunException("socket", "cannot open an ICMP socket: " + e.getMessage(), e);
    }
  }

  @Override
  public int id() {
    return socket.id();
  }

  @Override
  public String kind() {
    return socket.kind().name().toLowerCase(Locale.ROOT);
  }

  @Override
  public long send(byte[] icmp) {
    return socket.send(icmp);
  }

  @Override
  public int receive(byte[] into, Duration timeout) throws IOException {
    int n = socket.receive(into, timeout);
    if (n < 0 && !Errno.dropsDatagramOnly(-n)) {
      throw new ErrnoException("recv(icmp)", -n);
    }
    return n;
  }

  @Override
  public void close() {
    socket.close();
  }
}
