package dev.gretun.core.wire.disco;

import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/** A disco message body; encoded as JSON by {@link DiscoBody}, sealed by {@link DiscoEnvelope}. */
public sealed interface DiscoMessage
    permits DiscoMessage.Ping, DiscoMessage.Pong, DiscoMessage.CallMeMaybe {

  /** At most this many endpoints in a call_me_maybe. */
  int MAX_ENDPOINTS = 32;

  /** The JSON {@code type} value. */
  String type();

  /**
   * "Are you there on this path?" Sent to each candidate endpoint of a peer.
   *
   * @param nodeKey the sender's Ed25519 node public key, standard base64 of 32 bytes
   */
  record Ping(DiscoTxId tx, String nodeKey) implements DiscoMessage {
    public Ping {
      Objects.requireNonNull(tx);
      if (Base64.getDecoder().decode(nodeKey).length != 32) {
        throw new IllegalArgumentException("node_key must be base64 of 32 bytes");
      }
    }

    public byte[] nodeKeyBytes() {
      return Base64.getDecoder().decode(nodeKey);
    }

    @Override
    public String type() {
      return "ping";
    }
  }

  /**
   * Answer to a ping, sent back to where the ping came from.
   *
   * @param tx the ping's id
   * @param src the ping's source address as the responder saw it (the sender's reflexive address)
   */
  record Pong(DiscoTxId tx, InetSocketAddress src) implements DiscoMessage {
    public Pong {
      Objects.requireNonNull(tx);
      if (!(src.getAddress() instanceof java.net.Inet4Address) || src.getPort() == 0) {
        throw new IllegalArgumentException("src must be an IPv4 ip:port");
      }
    }

    @Override
    public String type() {
      return "pong";
    }
  }

  /** "Ping me at these endpoints" (relayed through the coordinator to start a punch). */
  record CallMeMaybe(List<InetSocketAddress> endpoints) implements DiscoMessage {
    public CallMeMaybe {
      endpoints = List.copyOf(endpoints);
      if (endpoints.size() > MAX_ENDPOINTS) {
        throw new IllegalArgumentException("at most " + MAX_ENDPOINTS + " endpoints");
      }
      for (InetSocketAddress e : endpoints) {
        if (!(e.getAddress() instanceof java.net.Inet4Address) || e.getPort() == 0) {
          throw new IllegalArgumentException("endpoints must be IPv4 ip:port");
        }
      }
    }

    @Override
    public String type() {
      return "call_me_maybe";
    }
  }
}
