package dev.gretun.core.coord;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Base64;
import java.util.List;

/**
 * JSON bodies of the coordinator HTTP API, shared by server and client (docs/PROTOCOL.md,
 * "Coordinator HTTP API"). Field names are snake_case; keys are standard base64 of the raw 32
 * bytes; times are RFC 3339 UTC strings.
 */
public final class CoordWire {
  private CoordWire() {}

  /** Standard padded base64, the form every key, nonce and signature takes on the wire. */
  public static String b64(byte[] raw) {
    return Base64.getEncoder().encodeToString(raw);
  }

  /**
   * Decodes a base64 key (or nonce, signature) of exactly {@code length} bytes; throws
   * IllegalArgumentException naming {@code field} when the text is not base64 or has the wrong
   * length.
   */
  public static byte[] decodeKey(String field, String text, int length) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(field + " is missing");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not standard base64");
    }
    if (raw.length != length) {
      throw new IllegalArgumentException(
          field + " must decode to " + length + " bytes, got " + raw.length);
    }
    return raw;
  }

  /**
   * The mapper both sides use: snake_case, unknown fields ignored, unset fields written as {@code
   * null} (as in every {@code --json} output of both programs; docs/PROTOCOL.md).
   */
  public static ObjectMapper mapper() {
    return JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        // Unset fields are written as null (docs/API.md): both programs speak the same JSON.
        .defaultPropertyInclusion(
            JsonInclude.Value.construct(JsonInclude.Include.ALWAYS, JsonInclude.Include.ALWAYS))
        .build();
  }

  /** {@code POST /v1/register}. The node key is the signing key (header X-Gretun-Node). */
  public record RegisterRequest(String nodeName, String discoKey, String joinKey) {}

  /**
   * Reply to register: our tunnel address, the pool, STUN servers, the current cursor and the data
   * relay ({@code "host:port"}, absent when the coordinator runs none).
   */
  public record RegisterResponse(
      String nodeKey,
      String tunnelIp,
      int prefixLength,
      String pool,
      List<String> stun,
      String cursor,
      boolean created,
      int longPollSeconds,
      String relay) {}

  /** One candidate address of a node: {@code addr} is "ip:port" ("[v6]:port"). */
  public record Endpoint(String addr, String source) {}

  /**
   * {@code POST /v1/endpoints}: replaces the caller's endpoint list and its NAT type ({@code nat}:
   * "unknown", "easy", "cone" or "hard", see {@code netcheck.NatType}; absent = "unknown").
   */
  public record EndpointsRequest(List<Endpoint> endpoints, String nat) {}

  /** Reply to endpoints and other writes without a payload. */
  public record Ack(boolean ok, String cursor) {}

  /** One registered node as other nodes see it. */
  public record Peer(
      String nodeKey,
      String discoKey,
      String nodeName,
      String tunnelIp,
      List<Endpoint> endpoints,
      String updatedAt,
      String nat) {}

  /**
   * {@code GET /v1/peers}: {@code full} = the list is complete (no or unknown cursor); otherwise
   * {@code peers} holds only peers changed since the cursor and {@code removed} the node keys of
   * peers removed since it.
   */
  public record PeersResponse(
      String cursor, boolean full, List<Peer> peers, List<String> removed) {}

  /** {@code POST /v1/signal}: {@code to} is the recipient's disco or node key. */
  public record SignalRequest(String to, String sealed) {}

  /** Reply to a queued signal. */
  public record SignalAck(boolean queued) {}

  /** A relayed envelope; the sender fields are filled by the coordinator, never by the sender. */
  public record Envelope(String fromNode, String fromDisco, String sealed, String enqueuedAt) {}

  /** {@code GET /v1/signal}. */
  public record SignalsResponse(List<Envelope> envelopes) {}

  /** Every error body. */
  public record ErrorBody(String error, String code) {}

  /** {@code GET /healthz}. */
  public record Health(String status, int nodes, String version) {}
}
