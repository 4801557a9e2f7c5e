package dev.gretun.core.probe;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What a probe found; field names are the stable {@code --json} keys (docs/CLI.md).
 *
 * @param socket {@code ping} or {@code raw}
 * @param id the echo identifier the replies were matched on
 * @param lossPercent lost requests in percent of those sent (100 when none answered)
 * @param duplicates replies to a sequence number already answered
 * @param replies the answered requests in sequence order
 */
public record ProbeResult(
    @JsonProperty("host") String host,
    @JsonProperty("socket") String socket,
    @JsonProperty("id") int id,
    @JsonProperty("sent") int sent,
    @JsonProperty("received") int received,
    @JsonProperty("loss_percent") double lossPercent,
    @JsonProperty("duplicates") int duplicates,
    @JsonProperty("rtt_min_ms") Double rttMinMillis,
    @JsonProperty("rtt_avg_ms") Double rttAvgMillis,
    @JsonProperty("rtt_max_ms") Double rttMaxMillis,
    @JsonProperty("replies") List<Reply> replies) {

  /** One answered request. */
  public record Reply(
      @JsonProperty("seq") int sequence, @JsonProperty("rtt_ms") double rttMillis) {}

  public ProbeResult {
    replies = List.copyOf(replies);
  }

  /** True when at least one request was answered. */
  public boolean reachable() {
    return received > 0;
  }
}
