package dev.gretun.coord.stun;

import dev.gretun.core.GretunException;
import dev.gretun.core.stun.StunServer;
import dev.gretun.core.util.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the STUN server the coordinator runs next to its HTTP API. */
public final class StunServices {
  private static final Logger LOG = LoggerFactory.getLogger(StunServices.class);

  private StunServices() {}

  /** Binds gretun-core's {@link StunServer} on {@code bind}; {@code null} = STUN off. */
  public static StunService start(InetSocketAddress bind) {
    if (bind == null) {
      return StunService.OFF;
    }
    StunServer server;
    try {
      server = StunServer.start(bind, StunServer.Options.defaults());
    } catch (IOException e) {
      throw new GretunException(
          "stun_bind",
          "cannot bind the STUN server on UDP "
              + HostPort.format(bind)
              + ": "
              + e.getMessage()
              + " (pass --stun-listen HOST:PORT or --stun-listen off)");
    }
    LOG.info("stun_listen addr={}", HostPort.format(server.localAddress()));
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
