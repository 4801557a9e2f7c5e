package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.netcheck.NatType;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the daemon needs from the coordinator (docs/PROTOCOL.md). {@link HttpCoordinator} is the
 * real one; tests use an in-memory fake. The blocking calls run on the daemon's coordinator sender
 * thread or during start-up, never on the event loop.
 */
public interface Coordinator extends AutoCloseable {
  /**
   * Registers this node (idempotent).
   *
   * @throws dev.gretun.core.coord.CoordException when the coordinator refuses (4xx) or fails
   */
  CoordWire.RegisterResponse register() throws IOException, InterruptedException;

  /** How many registrations succeeded so far; a new one means endpoints must be posted again. */
  int registrations();

  /** The reply of the last successful registration, or null before the first. */
  CoordWire.RegisterResponse registration();

  /** Replaces our endpoints and NAT type on the coordinator. */
  void postEndpoints(List<CoordWire.Endpoint> endpoints, NatType nat)
      throws IOException, InterruptedException;

  /** Relays {@code sealed} to the node whose disco key is {@code to}. */
  void sendSignal(byte[] to, byte[] sealed) throws IOException, InterruptedException;

  /** Starts watching the peer list; {@code listener} gets every change, on a thread of its own. */
  void watchPeers(Consumer<CoordWire.PeersResponse> listener);

  /** Starts pulling relayed signals; {@code listener} gets each, on a thread of its own. */
  void watchSignals(Consumer<CoordWire.Envelope> listener);

  /** Stops the watches and releases the connection. */
  @Override
  void close();
}
