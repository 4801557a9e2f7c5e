package dev.gretun.core.probe;

import java.io.IOException;
import java.time.Duration;

/** Where echo requests go and replies come from: an ICMP socket, or a fake in tests. */
public interface EchoTransport extends AutoCloseable {
  /** The echo identifier replies carry (a ping socket's is chosen by the kernel). */
  int id();

  /** {@code ping} or {@code raw}: which kind of socket carries the echoes. */
  String kind();

  /** Sends one ICMP message; the bytes sent, or -errno. */
  long send(byte[] icmp);

  /**
   * Waits at most {@code timeout} for the next ICMP message (without IP header) into {@code into}:
   * its length, or a negative value when nothing usable arrived in time.
   */
  int receive(byte[] into, Duration timeout) throws IOException;

  @Override
  void close();
}
