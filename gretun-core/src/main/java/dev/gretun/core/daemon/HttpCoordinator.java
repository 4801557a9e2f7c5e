package dev.gretun.core.daemon;

import dev.gretun.core.coord.CoordClient;
import dev.gretun.core.coord.CoordWatch;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.netcheck.NatType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The real {@link Coordinator}: {@link CoordClient} over HTTP, watches as {@link CoordWatch}. */
final class HttpCoordinator implements Coordinator {
  private final CoordClient client;
  private final List<CoordWatch> watches = new ArrayList<>();

  HttpCoordinator(CoordClient client) {
    this.client = client;
  }

  @Override
  public CoordWire.RegisterResponse register() throws IOException, InterruptedException {
    return client.register();
  }

  @Override
  public int registrations() {
    return client.registrations();
  }

  @Override
  public CoordWire.RegisterResponse registration() {
    return client.registration();
  }

  @Override
  public void postEndpoints(List<CoordWire.Endpoint> endpoints, NatType nat)
      throws IOException, InterruptedException {
    client.postEndpoints(endpoints, nat.wire());
  }

  @Override
  public void sendSignal(byte[] to, byte[] sealed) throws IOException, InterruptedException {
    client.sendSignal(to, sealed);
  }

  @Override
  public void watchPeers(Consumer<CoordWire.PeersResponse> listener) {
    watches.add(CoordWatch.peers(client, CoordWatch.defaultBackoff(), listener));
  }

  @Override
  public void watchSignals(Consumer<CoordWire.Envelope> listener) {
    watches.add(CoordWatch.signals(client, CoordWatch.defaultBackoff(), listener));
  }

  @Override
  public void close() {
    for (CoordWatch w : watches) {
      try {
        w.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    client.close();
  }
}
