package dev.gretun.core.dataplane;

import dev.gretun.core.dataplane.userspace.PeerPath;
import java.net.InetSocketAddress;

/**
 * What the daemon needs from a data plane; the userspace (TUN) and kernel (FOU+GRE) planes differ
 * only here. All methods except the packet threads' own work are called from the daemon's control
 * thread.
 */
public interface Dataplane extends AutoCloseable {
  /** Starts the packet threads; disco/STUN datagrams received on port P go to the control sink. */
  void start();

  /** The UDP port P everything uses (STUN, disco, data). */
  int port();

  /**
   * Sends a control datagram (disco or STUN) from port P; {@code ttl} 0 = the default, otherwise
   * this datagram only carries that IP TTL (the low-TTL opener). Returns false when the kernel
   * dropped it.
   */
  boolean sendControl(byte[] data, int off, int len, InetSocketAddress to, int ttl);

  /** A peer appeared (its overlay address and GRE key are known; no endpoint yet). */
  void addPeer(PeerPath path);

  /** A peer is gone: remove every trace of it. */
  void removePeer(PeerPath path);

  /** The punch chose {@code path}'s endpoint: create or retarget the path, and start sending. */
  void configurePath(PeerPath path);

  /**
   * Stop or resume sending on the path (DESIGN.md §3.6: a path that keeps sending re-poisons a far
   * NAT after its mapping expired).
   */
  void setSending(PeerPath path, boolean sending);

  /**
   * Sends {@code inner} (an IPv4 packet between the two overlay addresses) through the path, to
   * prove the data path before the peer counts as direct.
   */
  void probe(PeerPath path, byte[] inner);

  /** Refreshes {@link PeerPath#takeInboundSeen()} and counters where the plane must poll them. */
  default void poll() {}

  /** Stops the packet threads and removes every device, address and port it created. */
  @Override
  void close();
}
