package dev.gretun.core.daemon;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordException;
import dev.gretun.core.coord.CoordTlsException;
import dev.gretun.core.coord.CoordWire;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers with the coordinator at start-up: retries a coordinator that cannot be reached (8
 * attempts, 0.5 s doubling to 10 s; each attempt tries every URL of the list, see {@code
 * CoordFailover}), fails at once when it refuses, with a hint about the join key.
 */
final class Registration {
  private static final Logger log = LoggerFactory.getLogger(Registration.class);
  private static final int ATTEMPTS = 8;

  private Registration() {}

  static CoordWire.RegisterResponse register(
      Coordinator coord, List<URI> coordinators, boolean haveAuthKey) throws InterruptedException {
    String coordinator = String.join(",", coordinators.stream().map(URI::toString).toList());
    long backoff = 500;
    for (int attempt = 1; ; attempt++) {
      try {
        return coord.register();
      } catch (CoordException e) {
        if (e.status() >= 400 && e.status() < 500) {
          throw new GretunException(
              "register_refused",
              "the coordinator refused registration: "
                  + e.getMessage()
                  + hint(e.code(), haveAuthKey));
        }
        log.warn("register_failed attempt={} error={}", attempt, e.getMessage());
      } catch (CoordTlsException e) {
        throw new GretunException("coordinator_tls", e.getMessage(), e);
      } catch (IOException e) {
        log.warn(
            "register_failed attempt={} coordinator={} error={}",
            attempt,
            coordinator,
            e.toString());
      }
      if (attempt >= ATTEMPTS) {
        throw new GretunException(
            "coordinator_unreachable",
            "cannot reach the coordinator at " + coordinator + " (" + ATTEMPTS + " attempts)");
      }
      Thread.sleep(backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }

  private static String hint(String code, boolean haveAuthKey) {
    if (code.contains("join") || code.contains("auth_key")) {
      return haveAuthKey
          ? " (the --auth-key was refused: create a new one with 'gretun-coord keys create')"
          : " (pass --auth-key KEY; create one with 'gretun-coord keys create')";
    }
    return "";
  }
}
