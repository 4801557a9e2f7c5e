package dev.gretun.coord.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.gretun.coord.CoordRejection;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Endpoint;
import dev.gretun.core.keys.Ed25519Keys;
import dev.gretun.core.netcheck.NatType;
import dev.gretun.core.wire.disco.Endpoints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks of request bodies: a body that is no JSON object of the route's type is a 400 bad_json; a
 * field failure is a 400 bad_field naming the field and the rule.
 */
final class WireValidation {
  private static final ObjectMapper JSON = strict(CoordWire.mapper());
  private static final int MAX_ADDR_CHARS = "255.255.255.255:65535".length();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern SOURCE = Pattern.compile("[a-z0-9_]{1,16}");

  private WireValidation() {}

  /**
   * The wire mapper, minus the leniency a hostile body could use: a number or boolean where a
   * string belongs ({@code "node_name": 123}) and duplicate keys are errors, not coerced or
   * silently overwritten.
   */
  private static ObjectMapper strict(ObjectMapper m) {
    m.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    return m;
  }

  static <T> T body(byte[] body, Class<T> type) {
    T value;
    try {
      value = JSON.readValue(body, type);
    } catch (IOException e) {
      throw new CoordRejection(400, "bad_json", "body is not a valid JSON object for this route");
    }
    if (value == null) {
      throw new CoordRejection(400, "bad_json", "body must be a JSON object");
    }
    return value;
  }

  static String nodeName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw field(
          "node_name must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a"
              + " letter or digit");
    }
    return name;
  }

  static String key(String field, String b64) {
    try {
      return CoordWire.b64(CoordWire.decodeKey(field, b64, Ed25519Keys.KEY_BYTES));
    } catch (IllegalArgumentException e) {
      throw field(e.getMessage());
    }
  }

  static byte[] sealed(String b64, int max) {
    if (b64 == null) {
      throw field("sealed is missing");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw field("sealed is not standard base64");
    }
    if (raw.length == 0 || raw.length > max) {
      throw field("sealed must be 1.." + max + " bytes, got " + raw.length);
    }
    return raw;
  }

  /**
   * The NAT type of an endpoints post: absent means "unknown" (nodes before netcheck); anything
   * else must be exactly one of the {@link NatType} wire names.
   */
  static String nat(String nat) {
    if (nat == null) {
      return NatType.UNKNOWN.wire();
    }
    return NatType.fromWire(nat)
        .map(NatType::wire)
        .orElseThrow(() -> field("nat must be one of unknown, easy, cone, hard"));
  }

  /** The list with every addr strictly parsed and re-serialised canonically. */
  static List<Endpoint> endpoints(List<Endpoint> eps, int max) {
    if (eps == null) {
      throw field("endpoints is missing (use [] for none)");
    }
    if (eps.size() > max) {
      throw field("at most " + max + " endpoints, got " + eps.size());
    }
    List<Endpoint> out = new ArrayList<>(eps.size());
    for (Endpoint e : eps) {
      if (e == null) {
        throw field("endpoints must not contain null");
      }
      if (e.source() != null && !SOURCE.matcher(e.source()).matches()) {
        throw field("endpoint source must be 1-16 of [a-z0-9_]");
      }
      out.add(new Endpoint(addr(e.addr()), e.source()));
    }
    return List.copyOf(out);
  }

  /**
   * A canonical, usable IPv4 {@code a.b.c.d:port} (see {@link Endpoints#parseUsable}): no host
   * names, IPv6, zones, short forms, leading zeros or signs; not unspecified, loopback, multicast
   * or broadcast.
   */
  static String addr(String addr) {
    if (addr == null || addr.length() > MAX_ADDR_CHARS) {
      throw field("endpoint addr must be a.b.c.d:port");
    }
    try {
      return Endpoints.format(Endpoints.parseUsable(addr));
    } catch (IllegalArgumentException e) {
      throw field("endpoint addr must be a usable IPv4 a.b.c.d:port: " + e.getMessage());
    }
  }

  static CoordRejection field(String message) {
    return new CoordRejection(400, "bad_field", message);
  }
}
