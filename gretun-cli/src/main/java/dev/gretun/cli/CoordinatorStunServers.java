package dev.gretun.cli;

import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordException;
import dev.gretun.core.coord.CoordTlsException;
import dev.gretun.core.coord.CoordTrust;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.keys.KeyStore;
import dev.gretun.core.keys.NodeKeys;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The STUN servers a coordinator names, for {@code gretun stun --coordinator URL}. The coordinator
 * has no unauthenticated way to ask, so this makes the signed registration call {@code gretun up}
 * makes at every start, with this node's own keys from the state directory (no join key: a node
 * that has not joined is refused). For a known node it changes nothing but the name, so pass the
 * {@code --hostname} that {@code gretun up} uses.
 */
final class CoordinatorStunServers {
  private CoordinatorStunServers() {}

  static List<String> ask(URI coordinator, Path stateDir, Path ca, String hostname)
      throws InterruptedException {
    NodeKeys keys;
    try {
      keys = KeyStore.load(KeyStore.keyFile(stateDir));
    } catch (NoSuchFileException e) {
      throw new GretunException(
          "not_joined",
          "no node keys in "
              + stateDir
              + ": this host has not joined the overlay (run 'gretun up' first, pass its"
              + " --state-dir, or name servers with --server HOST:PORT)");
    } catch (AccessDeniedException e) {
      throw new GretunException(
          "permission", "cannot read the node keys in " + stateDir + ": run as root");
    } catch (IOException e) {
      throw new GretunException("keys", "cannot read the node keys: " + e.getMessage());
    }
    CoordClient.Config config =
        CoordClient.Config.of(
            coordinator,
            Ed25519Keys.keyPair(keys.nodePrivate(), keys.nodePublic()),
            keys.discoPublic(),
            hostname,
            null);
    if (ca != null) {
      config = config.withTls(CoordTrust.trustOnly(ca));
    }
    CoordWire.RegisterResponse reg;
    try {
      reg = new CoordClient(config).register();
    } catch (CoordException e) {
      throw new GretunException(
          "register_refused", "the coordinator refused this node: " + e.getMessage());
    } catch (CoordTlsException e) {
      throw new GretunException("coordinator_tls", e.getMessage(), e);
    } catch (IOException e) {
      throw new GretunException(
          "coordinator_unreachable",
          "cannot reach the coordinator at " + coordinator + ": " + e.getMessage());
    }
    if (reg.stun() == null || reg.stun().isEmpty()) {
      throw new GretunException(
          "no_stun_servers", "the coordinator names no STUN server: pass --server HOST:PORT");
    }
    return List.copyOf(reg.stun());
  }
}
