package dev.gretun.coord.stun;

import dev.gretun.core.GretunException;
import dev.gretun.core.stun.StunServer;
import dev.gretun.core.util.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the STUN server the coordinator runs next to its HTTP API. */
public final class StunServices {
  private static final Logger LOG = LoggerFactory.getLogger(StunServices.class);

  private StunServices() {}

  /**
   * Binds gretun-core's {@link StunServer} on every address of {@code binds} and on port+1 of each
   * (RFC 5780 change-port/change-address answers); empty = STUN off.
   */
  public static StunService start(List<InetSocketAddress> binds) {
    if (binds.isEmpty()) {
      return StunService.OFF;
    }
    StunServer server;
    try {
      server = StunServer.startWithAlternates(binds, StunServer.Options.defaults());
    } catch (IOException e) {
      throw new GretunException(
          "stun_bind",
          "cannot bind the STUN server on UDP "
              + binds.stream().map(HostPort::format).toList()
              + " (and port+1 of each): "
              + e.getMessage()
              + " (pass --stun-listen HOST:PORT or --stun-listen off)");
    }
    LOG.info(
        "stun_listen addr={}", server.localAddresses().stream().map(HostPort::format).toList());
    return new StunService() {
      @Override
      public long answered() {
        return server.requestsAnswered();
      }

      @Override
      public long dropped() {
        return server.requestsDropped();
      }

      @Override
      public void close() {
        server.close();
      }
    };
  }
}
