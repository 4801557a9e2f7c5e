package dev.gretun.core.link;

import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.os.NetlinkTransport;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.netlink.MessageWriter;
import dev.gretun.core.wire.netlink.Netlink;
import dev.gretun.core.wire.netlink.NlMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Request/reply logic over a {@link NetlinkTransport}: numbers requests, waits for the matching ACK
 * or reply, collects multipart dumps until NLMSG_DONE, and turns NLMSG_ERROR into {@link
 * NetlinkException}. Replies with other sequence numbers (stale) are skipped, within a bound.
 */
public final class NetlinkClient implements AutoCloseable {
  private static final int MAX_DATAGRAMS = 100_000;
  private static final int DUMP_RETRIES = 3;

  private final NetlinkTransport transport;
  private int seq;

  public NetlinkClient(NetlinkTransport transport, int firstSeq) {
    this.transport = transport;
    this.seq = firstSeq;
  }

  public NetlinkClient(NetlinkTransport transport) {
    this(transport, (int) (System.currentTimeMillis() / 1000));
  }

  /** Sends a request that asks for an ACK (NLM_F_ACK) and waits for it. */
  public void ack(MessageWriter request) {
    awaitReply(send(request), true);
  }

  /** Sends a request answered by exactly one message (e.g. RTM_GETLINK by name, RTM_GETROUTE). */
  public NlMessage requestOne(MessageWriter request) {
    return awaitReply(send(request), false);
  }

  /**
   * The answer to request {@code s}: its ACK (an NLMSG_ERROR with errno 0) when {@code ack}, else
   * its first other message. An NLMSG_ERROR with an errno is thrown either way.
   */
  private NlMessage awaitReply(int s, boolean ack) {
    for (int i = 0; i < MAX_DATAGRAMS; i++) {
      for (NlMessage m : NlMessage.parseAll(transport.receive())) {
        if (m.seq() != s) {
          continue;
        }
        boolean isError = m.type() == Netlink.NLMSG_ERROR;
        if (isError) {
          NetlinkException e = NetlinkException.of(m);
          if (e != null) {
            throw e;
          }
        }
        if (isError == ack) {
          return m;
        }
      }
    }
    throw new WireFormatException(
        WireFormatException.Reason.MISSING_REPLY,
        (ack ? "no ACK" : "no reply") + " for request " + s);
  }

  /** Sends an NLM_F_DUMP request and returns every message of the dump. */
  public List<NlMessage> dump(MessageWriter request) {
    for (int attempt = 0; ; attempt++) {
      List<NlMessage> out = new ArrayList<>();
      boolean interrupted = dumpOnce(request, out);
      if (!interrupted || attempt + 1 >= DUMP_RETRIES) {
        return out;
      }
    }
  }

  private boolean dumpOnce(MessageWriter request, List<NlMessage> out) {
    int s = send(request);
    boolean interrupted = false;
    for (int i = 0; i < MAX_DATAGRAMS; i++) {
      for (NlMessage m : NlMessage.parseAll(transport.receive())) {
        if (m.seq() != s) {
          continue;
        }
        interrupted |= (m.flags() & Netlink.NLM_F_DUMP_INTR) != 0;
        switch (m.type()) {
          case Netlink.NLMSG_DONE -> {
            if (m.body().limit() >= 4 && m.body().getInt(0) < 0) {
              throw new NetlinkException(-m.body().getInt(0), null);
            }
            return interrupted;
          }
          case Netlink.NLMSG_ERROR -> {
            NetlinkException e = NetlinkException.of(m);
            if (e != null) {
              throw e;
            }
          }
          case Netlink.NLMSG_NOOP, Netlink.NLMSG_OVERRUN -> {}
          default -> out.add(m);
        }
      }
    }
    throw new WireFormatException(
        WireFormatException.Reason.MISSING_REPLY, "dump " + s + " did not end");
  }

  private int send(MessageWriter request) {
    int s = ++seq;
    transport.send(request.build(s, 0));
    return s;
  }

  /** The sequence number the next request will carry. */
  public int nextSeq() {
    return seq + 1;
  }

  @Override
  public void close() {
    transport.close();
  }
}
