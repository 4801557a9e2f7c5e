package dev.gretun.core.keys;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A node's two long-lived key pairs, as raw 32-byte values: the node key (Ed25519; signs
 * coordinator requests, identifies the node) and the disco key (X25519; seals disco envelopes).
 * Accessors return copies.
 */
public final class NodeKeys {
  private final byte[] nodePrivate;
  private final byte[] nodePublic;
  private final byte[] discoPrivate;
  private final byte[] discoPublic;

  public NodeKeys(byte[] nodePrivate, byte[] nodePublic, byte[] discoPrivate, byte[] discoPublic) {
    for (byte[] k : new byte[][] {nodePrivate, nodePublic, discoPrivate, discoPublic}) {
      if (k.length != 32) {
        throw new IllegalArgumentException("keys are 32 bytes");
      }
    }
    this.nodePrivate = nodePrivate.clone();
    this.nodePublic = nodePublic.clone();
    this.discoPrivate = discoPrivate.clone();
    this.discoPublic = discoPublic.clone();
  }

  /** Ed25519 seed (secret). */
  public byte[] nodePrivate() {
    return nodePrivate.clone();
  }

  public byte[] nodePublic() {
    return nodePublic.clone();
  }

  /** X25519 scalar (secret). */
  public byte[] discoPrivate() {
    return discoPrivate.clone();
  }

  public byte[] discoPublic() {
    return discoPublic.clone();
  }

  /** Standard base64 of the node public key, as it appears in ping bodies and the coordinator. */
  public String nodePublicBase64() {
    return Base64.getEncoder().encodeToString(nodePublic);
  }

  /** First 8 hex digits of the node public key, for log lines. */
  public String shortString() {
    return HexFormat.of().formatHex(nodePublic, 0, 4);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeKeys k
        && Arrays.equals(k.nodePrivate, nodePrivate)
        && Arrays.equals(k.nodePublic, nodePublic)
        && Arrays.equals(k.discoPrivate, discoPrivate)
        && Arrays.equals(k.discoPublic, discoPublic);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(nodePublic) * 31 + Arrays.hashCode(discoPublic);
  }

  /** Never prints private keys. */
  @Override
  public String toString() {
    return "NodeKeys[node=" + shortString() + "]";
  }
}
