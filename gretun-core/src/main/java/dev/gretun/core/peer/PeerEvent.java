package dev.gretun.core.peer;

import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.wire.disco.DiscoTxId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** Inputs to a {@link PeerMachine}. Disco messages arrive already opened and authenticated. */
public sealed interface PeerEvent {

  /** The coordinator's peer list has (possibly new) facts about this peer. */
  record PeerUpdated(PeerInfo info) implements PeerEvent {
    public PeerUpdated {
      Objects.requireNonNull(info, "info");
    }
  }

  /**
   * The peer asked us (directly or via the coordinator relay) to punch towards these endpoints.
   *
   * @param age how long ago the peer sent it (our wall clock minus the envelope's send time, at
   *     least zero): a relay that is seconds late delivers a call from an attempt that may be over
   */
  record CallMeMaybeReceived(List<InetSocketAddress> endpoints, Duration age) implements PeerEvent {
    public CallMeMaybeReceived {
      endpoints = List.copyOf(endpoints);
      age = age.isNegative() ? Duration.ZERO : age;
    }

    /** A call sent just now. */
    public CallMeMaybeReceived(List<InetSocketAddress> endpoints) {
      this(endpoints, Duration.ZERO);
    }
  }

  /**
   * A disco ping arrived over UDP from {@code from} (pings via the relay are not delivered), on
   * {@code socket}: 0 = port P, else the local port of a birthday punch's extra socket.
   */
  record PingReceived(DiscoTxId tx, InetSocketAddress from, int socket) implements PeerEvent {
    public PingReceived {
      Objects.requireNonNull(tx, "tx");
      Objects.requireNonNull(from, "from");
    }

    /** A ping that arrived on port P. */
    public PingReceived(DiscoTxId tx, InetSocketAddress from) {
      this(tx, from, 0);
    }
  }

  /**
   * A disco pong arrived over UDP from {@code from}; {@code src} is our address as the peer saw it
   * (may be null).
   */
  record PongReceived(DiscoTxId tx, InetSocketAddress from, InetSocketAddress src)
      implements PeerEvent {
    public PongReceived {
      Objects.requireNonNull(tx, "tx");
      Objects.requireNonNull(from, "from");
    }
  }

  /**
   * The data path itself works: a disco ping/pong through the tunnel, or inbound GRE from this peer
   * whose outer source is {@code from} (null when the data plane cannot tell). The daemon may
   * rate-limit these (once a second per peer is plenty).
   */
  record DataPathConfirmed(InetSocketAddress from) implements PeerEvent {}

  /**
   * Data from the peer's endpoint arrived since the data plane's last report. Report it every tick
   * it is true; the machine counts it as a data-path confirmation at most once per {@link
   * PeerTimings#dataConfirmInterval()}.
   */
  record DataReceived() implements PeerEvent {}

  /**
   * Data from this peer came through the relay since the data plane's last report: the peer no
   * longer sends on the direct path, so it has lost it (or suspects it). Report it every tick it is
   * true.
   */
  record RelayedDataReceived() implements PeerEvent {}

  /**
   * The data plane sent data to this peer on the direct path since its last report. Report it at
   * most every tick; the machine decides whether the silence from the peer is worth a probe.
   */
  record DataSent() implements PeerEvent {}

  /** The data plane saw the direct path die (e.g. the kernel plane's device was deleted). */
  record PathLost(String reason) implements PeerEvent {
    public PathLost {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Our own NAT type became known or changed: used for the roles of the next punch. */
  record LocalNatUpdated(NatType nat) implements PeerEvent {}

  /** Time passed; the machine reads the clock and runs due timers. Safe to send at any rate. */
  record Tick() implements PeerEvent {}

  /** The one {@link Tick} instance. */
  Tick TICK = new Tick();

  /** The one {@link DataSent} instance. */
  DataSent DATA_SENT = new DataSent();

  /** The one {@link DataReceived} instance. */
  DataReceived DATA_RECEIVED = new DataReceived();

  /** The one {@link RelayedDataReceived} instance. */
  RelayedDataReceived RELAYED_DATA_RECEIVED = new RelayedDataReceived();
}
