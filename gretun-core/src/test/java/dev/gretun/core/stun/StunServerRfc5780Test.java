package dev.gretun.core.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gretun.core.wire.stun.StunAttribute.ChangeRequest;
import dev.gretun.core.wire.stun.StunMessage;
import dev.gretun.core.wire.stun.TransactionId;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** CHANGE-REQUEST answered from the right socket, with OTHER-ADDRESS, over loopback. */
class StunServerRfc5780Test {
  private static final TransactionId TX = TransactionId.fromHex("0102030405060708090a0b0c");

  private record Reply(InetSocketAddress from, StunMessage message) {}

  @Test
  void oneAddressAnswersChangePortFromTheAlternatePortAndDropsChangeIp() throws Exception {
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    int port = freeEvenPort();
    try (StunServer server =
            StunServer.startWithAlternates(
                List.of(new InetSocketAddress(lo, port)), new StunServer.Options("", 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(lo, 0))) {
      InetSocketAddress primary = new InetSocketAddress(lo, port);
      InetSocketAddress alternate = new InetSocketAddress(lo, port + 1);
      assertEquals(List.of(primary, alternate), server.localAddresses());

      Reply plain = ask(client, StunMessage.bindingRequest(TX), primary);
      assertEquals(primary, plain.from());
      assertEquals(Optional.of(alternate), plain.message().otherAddress());
      assertEquals(client.getLocalSocketAddress(), plain.message().mappedAddress().orElseThrow());

      Reply changed =
          ask(client, StunMessage.bindingRequest(TX, new ChangeRequest(false, true)), primary);
      assertEquals(alternate, changed.from());
      // OTHER-ADDRESS is relative to where the request arrived, not where the answer came from.
      assertEquals(Optional.of(alternate), changed.message().otherAddress());

      Reply back =
          ask(client, StunMessage.bindingRequest(TX, new ChangeRequest(false, true)), alternate);
      assertEquals(primary, back.from());

      assertNull(
          ask(client, StunMessage.bindingRequest(TX, new ChangeRequest(true, false)), primary));
      assertEquals(3, server.requestsDropped(), "each of the 3 attempts dropped");
    }
  }

  @Test
  void twoAddressesAnswerChangeIpFromTheOtherAddress() throws Exception {
    InetAddress lo1 = InetAddress.getByName("127.0.0.1");
    InetAddress lo2 = InetAddress.getByName("127.0.0.2");
    int port = freeEvenPort();
    try (StunServer server =
            StunServer.startWithAlternates(
                List.of(new InetSocketAddress(lo1, port), new InetSocketAddress(lo2, port)),
                new StunServer.Options("", 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(lo1, 0))) {
      InetSocketAddress primary = new InetSocketAddress(lo1, port);
      Reply plain = ask(client, StunMessage.bindingRequest(TX), primary);
      assertEquals(
          Optional.of(new InetSocketAddress(lo2, port + 1)), plain.message().otherAddress());
      Reply ip =
          ask(client, StunMessage.bindingRequest(TX, new ChangeRequest(true, false)), primary);
      assertEquals(new InetSocketAddress(lo2, port), ip.from());
      Reply both =
          ask(client, StunMessage.bindingRequest(TX, new ChangeRequest(true, true)), primary);
      assertEquals(new InetSocketAddress(lo2, port + 1), both.from());
    }
  }

  @Test
  void plainServerDropsEveryChangeRequestAndSendsNoOtherAddress() throws Exception {
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    try (StunServer server =
            StunServer.start(new InetSocketAddress(lo, 0), new StunServer.Options("", 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(lo, 0))) {
      Reply plain = ask(client, StunMessage.bindingRequest(TX), server.localAddress());
      assertEquals(Optional.empty(), plain.message().otherAddress());
      assertNull(
          ask(
              client,
              StunMessage.bindingRequest(TX, new ChangeRequest(false, true)),
              server.localAddress()));
    }
  }

  private static Reply ask(DatagramSocket client, StunMessage request, InetSocketAddress to)
      throws Exception {
    byte[] req = request.encode();
    client.setSoTimeout(400);
    byte[] buf = new byte[512];
    for (int attempt = 0; attempt < 3; attempt++) {
      client.send(new DatagramPacket(req, req.length, to));
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        client.receive(p);
      } catch (SocketTimeoutException e) {
        continue;
      }
      return new Reply(
          (InetSocketAddress) p.getSocketAddress(), StunMessage.parse(buf, 0, p.getLength()));
    }
    return null;
  }

  private static int freeEvenPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort() & ~1;
    }
  }
}
