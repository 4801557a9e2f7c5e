package dev.gretun.coord.stun;

import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the STUN server the coordinator runs next to its HTTP API. */
public final class StunServices {
  private static final Logger LOG = LoggerFactory.getLogger(StunServices.class);

  private StunServices() {}

  /** Binds the STUN server on {@code bind}; {@code null} = STUN off. */
  public static StunService start(InetSocketAddress bind) {
    if (bind == null) {
      return StunService.OFF;
    }
    // LEAD-MERGE: the STUN server lives in gretun-core as dev.gretun.core.stun.StunServer (written
    // on another branch). After merging, replace the body below with:
    //   StunServer s = StunServer.start(bind, StunServer.Options.defaults());
    //   return new StunService() {
    //     public long answered() { return s.requestsAnswered(); }
    //     public long dropped() { return s.requestsDropped(); }
    //     public void close() { s.close(); }
    //   };
    LOG.warn("stun_not_built_in bind={} note=\"STUN server not wired in this build\"", bind);
    return StunService.OFF;
  }
}
