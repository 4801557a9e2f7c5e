package dev.gretun.core.wire.relay;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The relay bind message (docs/PROTOCOL.md "Relay bind"): a node tells the coordinator's data relay
 * "the UDP source this datagram comes from is my port P; forward GRE with key K between me and peer
 * N". Sent from P to the relay port; signed with the node's Ed25519 key over {@link #CONTEXT}
 * followed by every byte before the signature.
 *
 * <pre>
 *  0   4  magic "GRLB"
 *  4   1  version (1)
 *  5   1  entry count n (0..32)
 *  6   2  zero
 *  8  32  node key (Ed25519 public key)
 * 40   8  timestamp, Unix milliseconds, big-endian
 * 48   4  relay IPv4 address the node sends to
 * 52   2  relay UDP port
 * 54   2  zero
 * 56  36n entries: peer node key (32) + pair GRE key (4, big-endian)
 * 56+36n 64  Ed25519 signature
 * </pre>
 *
 * Pure: encoding and parsing only; signing and verification belong to the caller.
 *
 * @param nodeKey the sender's node key (32 bytes)
 * @param timestampMillis send time, Unix ms
 * @param relayIp the relay's IPv4 address as an int (big-endian order of its bytes)
 * @param relayPort the relay's UDP port
 * @param entries the pairs to forward, at most {@link #MAX_ENTRIES}
 */
public record RelayBind(
    byte[] nodeKey, long timestampMillis, int relayIp, int relayPort, List<Entry> entries) {
  public static final byte[] MAGIC = {'G', 'R', 'L', 'B'};
  public static final int VERSION = 1;
  public static final int MAX_ENTRIES = 32;
  public static final int HEADER = 56;
  public static final int ENTRY = 36;
  public static final int SIGNATURE = 64;
  public static final int KEY = 32;

  /** Domain separation: a bind signature is never a valid coordinator request signature. */
  public static final byte[] CONTEXT = "gretun relay bind v1".getBytes(StandardCharsets.US_ASCII);

  /** One forwarded pair: the peer's node key and the pair's GRE key. */
  public record Entry(byte[] peerNodeKey, int greKey) {
    public Entry {
      Objects.requireNonNull(peerNodeKey, "peerNodeKey");
      if (peerNodeKey.length != KEY) {
        throw new IllegalArgumentException("peer node key must be 32 bytes");
      }
      peerNodeKey = peerNodeKey.clone();
    }

    @Override
    public byte[] peerNodeKey() {
      return peerNodeKey.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry e
          && greKey == e.greKey
          && Arrays.equals(peerNodeKey, e.peerNodeKey);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(peerNodeKey) + greKey;
    }

    @Override
    public String toString() {
      return "Entry[greKey=" + Integer.toUnsignedString(greKey, 16) + "]";
    }
  }

  /** A parsed datagram: the bind, its signature, and the exact bytes the signature covers. */
  public record Signed(RelayBind bind, byte[] signature, byte[] signedBytes) {}

  public RelayBind {
    Objects.requireNonNull(nodeKey, "nodeKey");
    if (nodeKey.length != KEY) {
      throw new IllegalArgumentException("node key must be 32 bytes");
    }
    if (relayPort < 1 || relayPort > 65535) {
      throw new IllegalArgumentException("relay port must be 1..65535");
    }
    if (entries.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException("at most " + MAX_ENTRIES + " entries");
    }
    nodeKey = nodeKey.clone();
    entries = List.copyOf(entries);
  }

  @Override
  public byte[] nodeKey() {
    return nodeKey.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RelayBind b
        && Arrays.equals(nodeKey, b.nodeKey)
        && timestampMillis == b.timestampMillis
        && relayIp == b.relayIp
        && relayPort == b.relayPort
        && entries.equals(b.entries);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(nodeKey), timestampMillis, relayIp, relayPort, entries);
  }

  @Override
  public String toString() {
    return "RelayBind[ts=" + timestampMillis + ", entries=" + entries.size() + "]";
  }

  /** The message without its signature. */
  public byte[] body() {
    ByteBuffer b = ByteBuffer.allocate(HEADER + ENTRY * entries.size());
    b.put(MAGIC).put((byte) VERSION).put((byte) entries.size()).putShort((short) 0);
    b.put(nodeKey).putLong(timestampMillis).putInt(relayIp).putShort((short) relayPort);
    b.putShort((short) 0);
    for (Entry e : entries) {
      b.put(e.peerNodeKey).putInt(e.greKey);
    }
    return b.array();
  }

  /** What the node signs: {@link #CONTEXT} followed by {@link #body()}. */
  public byte[] toBeSigned() {
    return withContext(body());
  }

  /** The datagram: the body followed by {@code signature}. */
  public byte[] encode(byte[] signature) {
    if (signature.length != SIGNATURE) {
      throw new IllegalArgumentException("signature must be 64 bytes");
    }
    byte[] body = body();
    byte[] out = Arrays.copyOf(body, body.length + SIGNATURE);
    System.arraycopy(signature, 0, out, body.length, SIGNATURE);
    return out;
  }

  /** True when the datagram starts with the bind magic (cheap first-byte demultiplexing). */
  public static boolean isBind(byte[] buf, int off, int len) {
    return len >= MAGIC.length && Arrays.equals(buf, off, off + 4, MAGIC, 0, 4);
  }

  /** Parses a whole datagram; throws {@link WireFormatException} for anything else. */
  public static Signed decode(byte[] buf, int off, int len) {
    if (len < HEADER + SIGNATURE) {
      throw new WireFormatException(Reason.TRUNCATED, "relay bind of " + len + " bytes");
    }
    if (!isBind(buf, off, len)) {
      throw new WireFormatException(Reason.BAD_MAGIC, "not a relay bind");
    }
    ByteBuffer b = ByteBuffer.wrap(buf, off, len).slice();
    b.position(4);
    int version = b.get() & 0xFF;
    if (version != VERSION) {
      throw new WireFormatException(Reason.BAD_VERSION, "relay bind version " + version);
    }
    int n = b.get() & 0xFF;
    if (n > MAX_ENTRIES) {
      throw new WireFormatException(Reason.BAD_LENGTH, n + " entries > " + MAX_ENTRIES);
    }
    if (b.getShort() != 0) {
      throw new WireFormatException(Reason.BAD_FLAGS, "reserved bytes 6-7 are not zero");
    }
    int bodyLen = HEADER + ENTRY * n;
    if (len != bodyLen + SIGNATURE) {
      throw new WireFormatException(
          Reason.BAD_LENGTH, n + " entries need " + (bodyLen + SIGNATURE) + " bytes, got " + len);
    }
    byte[] nodeKey = new byte[KEY];
    b.get(nodeKey);
    long ts = b.getLong();
    int ip = b.getInt();
    int port = Short.toUnsignedInt(b.getShort());
    if (b.getShort() != 0) {
      throw new WireFormatException(Reason.BAD_FLAGS, "reserved bytes 54-55 are not zero");
    }
    if (port == 0) {
      throw new WireFormatException(Reason.BAD_FIELD, "relay port 0");
    }
    List<Entry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] peer = new byte[KEY];
      b.get(peer);
      entries.add(new Entry(peer, b.getInt()));
    }
    byte[] sig = new byte[SIGNATURE];
    b.get(sig);
    byte[] body = Arrays.copyOfRange(buf, off, off + bodyLen);
    return new Signed(new RelayBind(nodeKey, ts, ip, port, entries), sig, withContext(body));
  }

  private static byte[] withContext(byte[] body) {
    byte[] out = Arrays.copyOf(CONTEXT, CONTEXT.length + body.length);
    System.arraycopy(body, 0, out, CONTEXT.length, body.length);
    return out;
  }
}
