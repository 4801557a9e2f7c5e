package dev.gretun.core.link;

import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.os.NetlinkTransport;
import dev.gretun.core.wire.netlink.Netlink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/** A fake kernel: records requests and answers each with datagrams built from the request. */
final class ScriptedTransport implements NetlinkTransport {
  final List<byte[]> sent = new ArrayList<>();
  private final Deque<ByteBuffer> inbox = new ArrayDeque<>();
  private final Function<byte[], List<byte[]>> kernel;

  ScriptedTransport(Function<byte[], List<byte[]>> kernel) {
    this.kernel = kernel;
  }

  @Override
  public void send(byte[] message) {
    sent.add(message);
    for (byte[] d : kernel.apply(message)) {
      inbox.add(ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN));
    }
  }

  @Override
  public ByteBuffer receive() {
    if (inbox.isEmpty()) {
      throw new NetlinkException(110, "fake kernel has nothing more to say");
    }
    return inbox.poll();
  }

  @Override
  public int portId() {
    return 4242;
  }

  @Override
  public void close() {}

  static int seqOf(byte[] request) {
    return ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
  }

  /** A reply message of {@code type} with {@code body}, for the given sequence number. */
  static byte[] message(int type, int flags, int seq, byte[] body) {
    ByteBuffer b =
        ByteBuffer.allocate(Netlink.align(16 + body.length)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(16 + body.length)
        .putShort((short) type)
        .putShort((short) flags)
        .putInt(seq)
        .putInt(4242);
    b.put(body);
    return b.array();
  }

  static byte[] error(int seq, int errno) {
    ByteBuffer body = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putInt(-errno);
    return message(Netlink.NLMSG_ERROR, 0, seq, body.array());
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }
}
