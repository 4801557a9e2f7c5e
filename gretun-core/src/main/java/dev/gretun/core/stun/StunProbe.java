package dev.gretun.core.stun;

import dev.gretun.core.util.Ticker;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Blocking convenience over {@link StunClient} with its own UDP socket, for {@code gretun stun}.
 * The daemon does not use this: it feeds a {@link StunClient} from the socket on port P.
 */
public final class StunProbe {
  private static final int MAX_DATAGRAM = 2048;

  /**
   * What one probe saw.
   *
   * @param local the socket's local address (port = the port whose mapping was observed)
   * @param results one per server, in the order given
   */
  public record Report(InetSocketAddress local, List<StunResult> results) {}

  private StunProbe() {}

  /**
   * Queries all {@code servers} in parallel from one socket bound to {@code bind}, with the RFC
   * 8489 retransmission schedule, and returns when every transaction ended or {@code timeout}
   * passed.
   */
  public static Report run(
      InetSocketAddress bind,
      List<InetSocketAddress> servers,
      Duration timeout,
      StunClient.Timing timing)
      throws IOException {
    try (DatagramSocket socket = new DatagramSocket(bind)) {
      StunClient client =
          new StunClient(
              (payload, to) -> socket.send(new DatagramPacket(payload, payload.length, to)),
              new SecureRandom(),
              timing,
              Ticker.system());
      long deadline = System.nanoTime() + timeout.toNanos();
      List<CompletableFuture<StunResult>> futures = new ArrayList<>(servers.size());
      for (InetSocketAddress server : servers) {
        futures.add(client.start(server, deadline));
      }
      byte[] buf = new byte[MAX_DATAGRAM];
      DatagramPacket packet = new DatagramPacket(buf, buf.length);
      while (client.pending() > 0) {
        long waitNanos = client.nextWakeupNanos() - System.nanoTime();
        if (waitNanos > 0) {
          socket.setSoTimeout(
              (int) Math.max(1, Math.min(Integer.MAX_VALUE, (waitNanos + 999_999) / 1_000_000)));
          packet.setLength(buf.length);
          try {
            socket.receive(packet);
            client.offer(
                buf,
                packet.getOffset(),
                packet.getLength(),
                (InetSocketAddress) packet.getSocketAddress());
          } catch (SocketTimeoutException e) {
            // time to poll
          }
        }
        client.poll();
      }
      List<StunResult> results = new ArrayList<>(futures.size());
      for (CompletableFuture<StunResult> f : futures) {
        results.add(f.join());
      }
      return new Report((InetSocketAddress) socket.getLocalSocketAddress(), results);
    }
  }
}
