package dev.gretun.core.os;

import java.nio.ByteBuffer;

/**
 * A datagram channel to the kernel's netlink side. {@link NetlinkSocket} is the real one; tests use
 * a scripted fake so the request/reply logic runs without a kernel. Failures are {@code
 * NetlinkException}s carrying the errno.
 */
public interface NetlinkTransport extends AutoCloseable {
  /** Sends one complete request message. */
  void send(byte[] message);

  /** Blocks (bounded by the transport's timeout) for the next datagram; little-endian buffer. */
  ByteBuffer receive();

  /** This socket's netlink port id (the kernel puts it in replies' nlmsg_pid). */
  int portId();

  @Override
  void close();
}
