package dev.gretun.core.stun;

import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.stun.Stun;
import dev.gretun.core.wire.stun.StunAttribute.ChangeRequest;
import dev.gretun.core.wire.stun.StunMessage;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the STUN server answers, without I/O. The server's sockets form a grid: address {@code a}
 * (one per listen address) × port {@code p} (0 = the listen port, 1 = its alternate port, present
 * only in RFC 5780 mode). Socket index = {@code a * ports + p}.
 *
 * <p>RFC 5780 §6.1: a request with CHANGE-REQUEST is answered from the socket that differs in the
 * asked-for way; a change the server cannot make (one address and "change IP", or no alternate
 * port) is dropped. Every answer in RFC 5780 mode carries OTHER-ADDRESS: the socket that differs in
 * both address (when there are two) and port. A wildcard listen address gives an unspecified IP in
 * OTHER-ADDRESS, which our client reads as "the IP you sent to".
 */
final class StunResponder {
  /** An answer: the bytes in {@code out[0, length)}, sent from socket {@code fromSocket}. */
  record Answer(int fromSocket, int length) {}

  private final List<InetSocketAddress> sockets;
  private final int addresses;
  private final int ports;
  private final String software;

  /**
   * @param sockets the bound local addresses, in grid order
   * @param alternatePorts whether each address has an alternate port (RFC 5780 mode)
   */
  StunResponder(List<InetSocketAddress> sockets, boolean alternatePorts, String software) {
    this.sockets = List.copyOf(sockets);
    this.ports = alternatePorts ? 2 : 1;
    this.addresses = sockets.size() / ports;
    this.software = software;
  }

  /**
   * The answer to a datagram that arrived on socket {@code onSocket} from {@code from}, encoded
   * into {@code out}; null when it is to be dropped (malformed, not a Binding request, or a change
   * we cannot make). Never throws on hostile input.
   */
  Answer respond(byte[] request, int len, InetSocketAddress from, int onSocket, byte[] out) {
    if (!StunMessage.looksLike(request, 0, len)) {
      return null;
    }
    StunMessage msg;
    try {
      msg = StunMessage.parse(request, 0, len);
    } catch (WireFormatException e) {
      return null;
    }
    if (msg.type() != Stun.BINDING_REQUEST) {
      return null;
    }
    int address = onSocket / ports;
    int port = onSocket % ports;
    ChangeRequest change = msg.changeRequest().orElse(new ChangeRequest(false, false));
    if ((change.changeIp() && addresses < 2) || (change.changePort() && ports < 2)) {
      return null;
    }
    int replyAddress = change.changeIp() ? (address + 1) % addresses : address;
    int replyPort = change.changePort() ? 1 - port : port;
    InetSocketAddress other =
        ports < 2 ? null : sockets.get(((address + 1) % addresses) * ports + (1 - port));
    int n = StunMessage.bindingSuccess(msg.transactionId(), from, other, software).encodeTo(out, 0);
    return new Answer(replyAddress * ports + replyPort, n);
  }
}
