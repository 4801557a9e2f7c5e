package dev.gretun.core.wire.disco;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gretun.core.wire.WireFormatException;
import dev.gretun.core.wire.WireFormatException.Reason;
import dev.gretun.core.wire.disco.DiscoMessage.CallMeMaybe;
import dev.gretun.core.wire.disco.DiscoMessage.Ping;
import dev.gretun.core.wire.disco.DiscoMessage.Pong;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON bodies of disco messages (docs/PROTOCOL.md "Disco envelope"). Decoding is strict: the body
 * must be one JSON object within {@link #MAX_BODY_BYTES}, without duplicate keys or trailing data,
 * with a known {@code type}, version {@value #VERSION}, a send time, and well-formed required
 * fields. Unknown extra fields are ignored so that later versions can add optional ones.
 */
public final class DiscoBody {
  /** Largest JSON body accepted or produced. */
  public static final int MAX_BODY_BYTES = 2048;

  /**
   * The body version ({@code v}). 2 added {@code v} and {@code ts} (the send time the receiver's
   * replay window checks); bodies without them (version 1) are refused.
   */
  public static final int VERSION = 2;

  /** A decoded body: the message and when the sender sealed it (Unix milliseconds). */
  public record Decoded(DiscoMessage message, long sentAtMillis) {}

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private DiscoBody() {}

  /** Encodes {@code m} as sent at {@code sentAtMillis} (Unix milliseconds, not negative). */
  public static byte[] encode(DiscoMessage m, long sentAtMillis) {
    if (sentAtMillis < 0) {
      throw new IllegalArgumentException("negative send time");
    }
    ObjectNode o = MAPPER.createObjectNode();
    o.put("type", m.type());
    o.put("v", VERSION);
    o.put("ts", sentAtMillis);
    switch (m) {
      case Ping p -> {
        o.put("tx", p.tx().hex());
        o.put("node_key", p.nodeKey());
      }
      case Pong p -> {
        o.put("tx", p.tx().hex());
        o.put("src", Endpoints.format(p.src()));
      }
      case CallMeMaybe c -> {
        ArrayNode a = o.putArray("endpoints");
        c.endpoints().forEach(e -> a.add(Endpoints.format(e)));
      }
    }
    try {
      byte[] json = MAPPER.writeValueAsBytes(o);
      if (json.length > MAX_BODY_BYTES) {
        throw new IllegalArgumentException("disco body over " + MAX_BODY_BYTES + " bytes");
      }
      return json;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }

  public static Decoded decode(byte[] b, int off, int len) throws WireFormatException {
    if (len > MAX_BODY_BYTES) {
      throw new WireFormatException(Reason.TOO_LARGE, len + "-byte body");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(b, off, len);
    } catch (IOException e) {
      throw new WireFormatException(Reason.MALFORMED_JSON, firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new WireFormatException(Reason.MALFORMED_JSON, "body is not a JSON object");
    }
    String type = text(root, "type");
    JsonNode v = root.get("v");
    if (v == null || !v.isInt() || v.intValue() != VERSION) {
      throw new WireFormatException(Reason.BAD_VERSION, "body version must be " + VERSION);
    }
    JsonNode ts = root.get("ts");
    if (ts == null || !ts.isIntegralNumber() || !ts.canConvertToLong() || ts.longValue() < 0) {
      throw new WireFormatException(
          Reason.BAD_FIELD, "ts must be the send time in Unix milliseconds");
    }
    return new Decoded(message(root, type), ts.longValue());
  }

  private static DiscoMessage message(JsonNode root, String type) throws WireFormatException {
    return switch (type) {
      case "ping" -> {
        DiscoTxId tx = tx(root);
        String key = text(root, "node_key");
        yield field("node_key", () -> new Ping(tx, key));
      }
      case "pong" -> {
        DiscoTxId tx = tx(root);
        String src = text(root, "src");
        yield field("src", () -> new Pong(tx, Endpoints.parse(src)));
      }
      case "call_me_maybe" -> {
        JsonNode arr = root.get("endpoints");
        if (arr == null || !arr.isArray() || arr.size() > DiscoMessage.MAX_ENDPOINTS) {
          throw new WireFormatException(
              Reason.BAD_FIELD, "endpoints must be an array of at most 32 ip:port strings");
        }
        List<InetSocketAddress> endpoints = new ArrayList<>(arr.size());
        for (JsonNode e : arr) {
          if (!e.isTextual()) {
            throw new WireFormatException(Reason.BAD_FIELD, "endpoint is not a string");
          }
          endpoints.add(field("endpoints", () -> Endpoints.parse(e.asText())));
        }
        yield new CallMeMaybe(endpoints);
      }
      default -> throw new WireFormatException(Reason.BAD_TYPE, "type " + abbreviate(type));
    };
  }

  private interface FieldParser<T> {
    T parse();
  }

  /** Runs a value constructor, turning its IllegalArgumentException into BAD_FIELD. */
  private static <T> T field(String name, FieldParser<T> parser) throws WireFormatException {
    try {
      return parser.parse();
    } catch (IllegalArgumentException e) {
      throw new WireFormatException(Reason.BAD_FIELD, name + ": " + abbreviate(e.getMessage()));
    }
  }

  private static DiscoTxId tx(JsonNode root) throws WireFormatException {
    String hex = text(root, "tx");
    return field("tx", () -> DiscoTxId.fromHex(hex));
  }

  private static String text(JsonNode root, String name) throws WireFormatException {
    JsonNode n = root.get(name);
    if (n == null || !n.isTextual()) {
      throw new WireFormatException(Reason.BAD_FIELD, "missing string field " + name);
    }
    return n.asText();
  }

  private static String abbreviate(String s) {
    String t = String.valueOf(s);
    return t.length() > 64 ? t.substring(0, 64) + "..." : t;
  }

  private static String firstLine(String s) {
    String t = String.valueOf(s);
    int nl = t.indexOf('\n');
    return abbreviate(nl < 0 ? t : t.substring(0, nl));
  }
}
