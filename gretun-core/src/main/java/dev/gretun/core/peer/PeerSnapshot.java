package dev.gretun.core.peer;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One row of {@code gretun peers}. JSON field names are stable (docs/DAEMON.md).
 *
 * @param key the peer's disco key in its text form
 * @param tunnelIp overlay address, or null
 * @param path {@code direct} or {@code none}
 * @param endpoint the peer's UDP endpoint in use ({@code ip:port}), or null
 * @param lastPongAgoMillis time since the last accepted pong, or null if none yet
 * @param rttMillis RTT measured by the last accepted pong, or null
 */
public record PeerSnapshot(
    @JsonProperty("key") String key,
    @JsonProperty("name") String name,
    @JsonProperty("tunnel_ip") String tunnelIp,
    @JsonProperty("state") String state,
    @JsonProperty("path") String path,
    @JsonProperty("endpoint") String endpoint,
    @JsonProperty("last_pong_ago_ms") Long lastPongAgoMillis,
    @JsonProperty("rtt_ms") Double rttMillis,
    @JsonProperty("bytes_in") long bytesIn,
    @JsonProperty("bytes_out") long bytesOut) {}
