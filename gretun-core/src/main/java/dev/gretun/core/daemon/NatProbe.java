package dev.gretun.core.daemon;

import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.netcheck.Netcheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The daemon's netcheck: blocking, run off the event loop by {@link EndpointReporter} at start and
 * whenever the host's local addresses change. Tests pass a fake.
 */
@FunctionalInterface
interface NatProbe {
  NatType probe(List<InetSocketAddress> stunServers) throws IOException;

  /** The real check, with a short per-phase wait (a few seconds in all). */
  NatProbe NETCHECK = servers -> Netcheck.run(servers, Duration.ofMillis(1500)).type();
}
