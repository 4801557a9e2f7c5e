package dev.gretun.core.link;

import static dev.gretun.core.link.ScriptedTransport.concat;
import static dev.gretun.core.link.ScriptedTransport.error;
import static dev.gretun.core.link.ScriptedTransport.message;
import static dev.gretun.core.link.ScriptedTransport.seqOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.os.Errno;
import dev.gretun.core.os.NetlinkException;
import dev.gretun.core.wire.netlink.GenlMessages;
import dev.gretun.core.wire.netlink.GoldenRequestTest;
import dev.gretun.core.wire.netlink.Netlink;
import dev.gretun.core.wire.netlink.NlMessage;
import dev.gretun.core.wire.netlink.Rtnl;
import dev.gretun.core.wire.netlink.RtnlMessages;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetlinkClientTest {

  @Test
  void ackSkipsStaleRepliesAndNumbersRequests() {
    ScriptedTransport t =
        new ScriptedTransport(
            req -> List.of(error(seqOf(req) - 1, Errno.EINVAL.value()), error(seqOf(req), 0)));
    NetlinkClient c = new NetlinkClient(t, 100);
    c.ack(RtnlMessages.setUp(1, true));
    c.ack(RtnlMessages.setUp(1, false));
    assertEquals(101, seqOf(t.sent.get(0)));
    assertEquals(102, seqOf(t.sent.get(1)));
  }

  @Test
  void requestOneSkipsStaleRepliesAndAcksAndReturnsTheAnswer() {
    byte[] body = new byte[] {1, 2, 3, 4};
    ScriptedTransport t =
        new ScriptedTransport(
            req ->
                List.of(
                    message(Rtnl.RTM_NEWLINK, 0, seqOf(req) - 1, new byte[4]),
                    concat(error(seqOf(req), 0), message(Rtnl.RTM_NEWLINK, 0, seqOf(req), body))));
    NlMessage m = new NetlinkClient(t, 5).requestOne(RtnlMessages.getLink("gt0"));
    assertEquals(Rtnl.RTM_NEWLINK, m.type());
    assertEquals(6, m.seq());
    assertEquals(0x04030201, m.body().getInt(0));
  }

  @Test
  void requestOneRaisesTheKernelsError() {
    NetlinkClient c =
        new NetlinkClient(
            new ScriptedTransport(req -> List.of(error(seqOf(req), Errno.ENODEV.value()))), 1);
    NetlinkException e =
        assertThrows(NetlinkException.class, () -> c.requestOne(RtnlMessages.getLink("gt0")));
    assertTrue(e.is(Errno.ENODEV));
  }

  @Test
  void errorBecomesTypedException() {
    NetlinkClient c =
        new NetlinkClient(
            new ScriptedTransport(req -> List.of(error(seqOf(req), Errno.EPERM.value()))), 1);
    NetlinkException e =
        assertThrows(NetlinkException.class, () -> c.ack(RtnlMessages.deleteLink(3)));
    assertTrue(e.is(Errno.EPERM));
  }

  @Test
  void multipartDumpCollectsUntilDone() {
    byte[] body = new byte[4];
    NetlinkClient c =
        new NetlinkClient(
            new ScriptedTransport(
                req -> {
                  int s = seqOf(req);
                  return List.of(
                      concat(
                          message(Rtnl.RTM_NEWADDR, Netlink.NLM_F_MULTI, s, addr(1)),
                          message(Rtnl.RTM_NEWADDR, Netlink.NLM_F_MULTI, s, addr(2))),
                      message(Rtnl.RTM_NEWADDR, Netlink.NLM_F_MULTI, s, addr(3)),
                      message(Netlink.NLMSG_DONE, Netlink.NLM_F_MULTI, s, body));
                }),
            7);
    List<NlMessage> out = c.dump(RtnlMessages.dumpAddresses(2));
    assertEquals(3, out.size());
    assertEquals(3, RtnlMessages.parseAddress(out.get(2)).index());
    assertEquals("10.0.0.3/24", RtnlMessages.parseAddress(out.get(2)).display());
  }

  @Test
  void dumpErrorInDoneIsRaised() {
    byte[] done = new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff}; // -2
    NetlinkClient c =
        new NetlinkClient(
            new ScriptedTransport(
                req -> List.of(message(Netlink.NLMSG_DONE, Netlink.NLM_F_MULTI, seqOf(req), done))),
            1);
    NetlinkException e =
        assertThrows(NetlinkException.class, () -> c.dump(GenlMessages.fouDump(30)));
    assertTrue(e.is(Errno.ENOENT));
  }

  /** An RTM_NEWADDR body: ifaddrmsg for index i, then IFA_LOCAL 10.0.0.i, IFA_ADDRESS same. */
  private static byte[] addr(int i) {
    byte[] full =
        RtnlMessages.address(true, i, GoldenRequestTest.v4("10.0.0." + i), 24, null).build(0, 0);
    return java.util.Arrays.copyOfRange(full, 16, full.length);
  }
}
