package dev.gretun.core.dataplane;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What the daemon needs from a data plane; the userspace (TUN) and kernel (FOU+GRE) planes differ
 * only here. Every method is called from the daemon's event loop; the planes' own packet threads
 * stay behind this interface.
 */
public interface Dataplane extends AutoCloseable {
  /**
   * Starts the packet threads. Disco and STUN datagrams received on port P go to {@code sink}; it
   * returns false when the event loop is too busy (the datagram is then dropped and counted).
   */
  void start(Predicate<DiscoStunPacket> sink);

  /**
   * Names who hears (once, on a packet thread) that the plane cannot go on: a packet thread met an
   * errno that leaves its descriptor unusable (EBADF …) and stopped. Errors that lose only a packet
   * are counted and never reported here. Call before {@link #start}.
   */
  default void onFailure(Consumer<String> failed) {}

  /**
   * Whether the plane sends a peer's packets to {@link PeerRoute#relay()} while its direct path
   * does not send (and accepts the peer's keyed GRE from there). A plane that does not ignores the
   * relay: the peer's traffic is dropped then.
   */
  default boolean carriesRelay() {
    return false;
  }

  /** The UDP port P everything uses (STUN, disco, data). */
  int port();

  /**
   * Sends a disco or STUN datagram from port P; {@code ttl} 0 = the default, otherwise this
   * datagram only carries that IP TTL (the low-TTL opener). Returns false when the kernel dropped
   * it; throws when the socket failed.
   */
  boolean sendDiscoStun(byte[] data, int off, int len, InetSocketAddress to, int ttl)
      throws IOException;

  /**
   * Whether the plane supports the birthday punch's extra sockets (docs/DAEMON.md, "Birthday
   * punch"); the methods below do nothing on a plane that does not.
   */
  default boolean supportsExtraSockets() {
    return false;
  }

  /**
   * Opens up to {@code count} extra UDP sockets on ephemeral ports for {@code peer}'s birthday
   * punch; returns their local ports (each one's id). Disco arriving on them reaches the sink with
   * {@link DiscoStunPacket#socket()} set to that port.
   */
  default int[] openExtraSockets(String peer, int count) throws IOException {
    return new int[0];
  }

  /** The peer whose open extra socket has local port {@code socket}, or null. */
  default String extraSocketPeer(int socket) {
    return null;
  }

  /**
   * Sends a disco datagram from the open extra socket {@code socket} ({@code ttl} as in {@link
   * #sendDiscoStun}); false when there is no such socket or the kernel dropped it.
   */
  default boolean sendDiscoFrom(
      int socket, byte[] data, int off, int len, InetSocketAddress to, int ttl) throws IOException {
    return false;
  }

  /**
   * Makes the extra socket {@code socket} {@code peer}'s data socket (the peer's direct traffic
   * goes out from it and is accepted on it) and closes the peer's other extra sockets at once.
   * False when it is not one of the peer's open sockets.
   */
  default boolean keepExtraSocket(String peer, int socket) {
    return false;
  }

  /** Closes every extra socket of {@code peer}, the data socket included. */
  default void closeExtraSockets(String peer) {}

  /**
   * Makes the plane carry exactly {@code routes} (one per peer): adds new peers, retargets changed
   * endpoints, stops or resumes sending (docs/NAT-TRAVERSAL.md §3.6: a path that keeps sending
   * re-poisons a far NAT) and removes every trace of peers no longer listed.
   */
  void apply(Collection<PeerRoute> routes);

  /**
   * Sends {@code inner} (an IPv4 packet between the two overlay addresses) through the peer's path
   * to prove the data path before the peer counts as direct; nothing when the path does not send.
   */
  void probe(String peer, byte[] inner) throws IOException;

  /**
   * Every peer's traffic now (peers without traffic may be absent); resets the since-last flags.
   */
  Map<String, PeerTraffic> readTraffic();

  /** Stops the packet threads and removes every device, address and port it created. */
  @Override
  void close();
}
