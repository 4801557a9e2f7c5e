package dev.gretun.core.daemon;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The answer to {@code gretun ping PEER}; field names are the stable {@code --json} keys
 * (docs/CLI.md).
 *
 * @param path {@code direct} (a pong came back over the direct path), {@code relay} (the peer's
 *     traffic is relayed: no disco ping over UDP measures it), or {@code none} (no path, or no pong
 *     in time)
 * @param endpoint the {@code ip:port} the ping went to, or null
 * @param rttMillis ping to pong, or null without a pong
 * @param reason why there is no RTT, or null
 */
public record PingReply(
    @JsonProperty("peer") String peer,
    @JsonProperty("key") String key,
    @JsonProperty("tunnel_ip") String tunnelIp,
    @JsonProperty("state") String state,
    @JsonProperty("path") String path,
    @JsonProperty("endpoint") String endpoint,
    @JsonProperty("rtt_ms") Double rttMillis,
    @JsonProperty("reason") String reason) {

  PingReply withoutPong(String why) {
    return new PingReply(peer, key, tunnelIp, state, "none", endpoint, null, why);
  }
}
