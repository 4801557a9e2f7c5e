package dev.gretun.core.netcheck;

import dev.gretun.core.wire.stun.StunAttribute.ChangeRequest;
import dev.gretun.core.wire.stun.StunMessage;
import dev.gretun.core.wire.stun.TransactionId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs the netcheck probes (blocking, on sockets of its own, a few seconds at most) and classifies
 * them with {@link NatClassifier}:
 *
 * <ol>
 *   <li>socket A asks every server: reachability, mapping (compare the mapped addresses), port
 *       preservation;
 *   <li>if the first server sent OTHER-ADDRESS (RFC 5780), a fresh socket B, which sends only to
 *       that server's address and port, asks it for answers from its other port and, when it has
 *       one, its other address: whether they get in tells the filtering;
 *   <li>B sends a request to A's mapped address: whether it reaches A tells hairpinning.
 * </ol>
 */
public final class Netcheck {
  private static final InetSocketAddress ANY = new InetSocketAddress(0);

  /**
   * @param servers the STUN servers to ask (at least two destinations to tell mapping)
   * @param timeout per phase (the mapping phase, the filtering phase; hairpin gets a third of it)
   */
  public static NatReport run(List<InetSocketAddress> servers, Duration timeout)
      throws IOException {
    return NatClassifier.classify(observe(servers, timeout));
  }

  /** The raw observations (for tests and {@code --verbose}). */
  public static Observations observe(List<InetSocketAddress> servers, Duration timeout)
      throws IOException {
    SecureRandom random = new SecureRandom();
    try (ProbeSocket a = new ProbeSocket(ANY, random);
        ProbeSocket b = new ProbeSocket(ANY, random)) {
      var txs = new ArrayList<TransactionId>();
      for (InetSocketAddress s : servers) {
        txs.add(a.add(StunMessage::bindingRequest, s, s::equals));
      }
      a.run(timeout);
      var seen = new ArrayList<Observations.Server>();
      StunMessage first = null;
      InetSocketAddress firstServer = null;
      for (int i = 0; i < servers.size(); i++) {
        StunMessage m = a.answer(txs.get(i));
        seen.add(new Observations.Server(servers.get(i), m == null ? null : mapped(m)));
        if (m != null && first == null) {
          first = m;
          firstServer = servers.get(i);
        }
      }
      Boolean changePort = null;
      Boolean changeAddress = null;
      Boolean hairpin = null;
      if (first != null && first.otherAddress().isPresent()) {
        InetSocketAddress server = firstServer;
        InetAddress otherIp = first.otherAddress().get().getAddress();
        boolean twoAddresses = !otherIp.isAnyLocalAddress() && !otherIp.equals(server.getAddress());
        TransactionId plain = b.add(StunMessage::bindingRequest, server, server::equals);
        TransactionId port =
            b.add(
                tx -> StunMessage.bindingRequest(tx, new ChangeRequest(false, true)),
                server,
                from -> from.getAddress().equals(server.getAddress()) && !from.equals(server));
        TransactionId address =
            twoAddresses
                ? b.add(
                    tx -> StunMessage.bindingRequest(tx, new ChangeRequest(true, true)),
                    server,
                    from -> from.getAddress().equals(otherIp))
                : null;
        b.run(timeout);
        if (b.answer(plain) != null) {
          changePort = b.answer(port) != null;
          changeAddress = address == null ? null : b.answer(address) != null;
        }
      }
      InetSocketAddress ownMapped =
          seen.stream()
              .map(Observations.Server::mapped)
              .filter(Objects::nonNull)
              .findFirst()
              .orElse(null);
      if (ownMapped != null) {
        TransactionId probe = TransactionId.random(random);
        a.expect(probe);
        byte[] request = StunMessage.bindingRequest(probe).encode();
        for (int i = 0; i < 3 && !a.expectedSeen(); i++) {
          b.sendOnce(request, ownMapped);
          a.run(timeout.dividedBy(9));
        }
        hairpin = a.expectedSeen();
      }
      return new Observations(a.localPort(), seen, changePort, changeAddress, hairpin);
    }
  }

  private static InetSocketAddress mapped(StunMessage m) {
    return m.mappedAddress().orElse(null);
  }

  private Netcheck() {}
}
