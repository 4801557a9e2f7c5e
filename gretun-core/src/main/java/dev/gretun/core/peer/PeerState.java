package dev.gretun.core.peer;

import java.util.Locale;

/** Where a peer's connection stands. {@link #label()} is the value of the metric label and logs. */
public enum PeerState {
  /** Known from the coordinator, but no endpoint to try yet. */
  UNKNOWN,
  /** Endpoints known, punching not started (transient: punching starts in the same step). */
  HAVE_ENDPOINTS,
  /** Pinging candidates, or a path is configured and waits for data-path confirmation. */
  PUNCHING,
  /** The data path through the chosen endpoint is confirmed. */
  DIRECT,
  /**
   * No direct path (traffic goes through the coordinator's relay if there is one, else is dropped):
   * punching failed (re-punch later), or the path was lost and stale NAT state is waiting out.
   */
  NO_PATH;

  /** The name used upstream and in {@code gretun_peers{state}}: {@code have_endpoints}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
