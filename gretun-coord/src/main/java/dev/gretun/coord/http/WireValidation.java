package dev.gretun.coord.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.coord.CoordRejection;
import dev.gretun.core.coord.CoordWire;
import dev.gretun.core.coord.CoordWire.Endpoint;
import dev.gretun.core.keys.Ed25519Keys;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks of request bodies: a body that is no JSON object of the route's type is a 400 bad_json; a
 * field failure is a 400 bad_field naming the field and the rule.
 */
final class WireValidation {
  private static final ObjectMapper JSON = CoordWire.mapper();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern SOURCE = Pattern.compile("[a-z0-9_]{1,16}");

  private WireValidation() {}

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

  static List<Endpoint> endpoints(List<Endpoint> eps, int max) {
    if (eps == null) {
      throw field("endpoints is missing (use [] for none)");
    }
    if (eps.size() > max) {
      throw field("at most " + max + " endpoints, got " + eps.size());
    }
    for (Endpoint e : eps) {
      if (e == null) {
        throw field("endpoints must not contain null");
      }
      addr(e.addr());
      if (e.source() != null && !SOURCE.matcher(e.source()).matches()) {
        throw field("endpoint source must be 1-16 of [a-z0-9_]");
      }
    }
    return List.copyOf(eps);
  }

  /** "a.b.c.d:port" or "[v6]:port", port 1..65535; literal addresses only. */
  static void addr(String addr) {
    if (addr == null || addr.length() > 64) {
      throw field("endpoint addr must be ip:port");
    }
    int colon = addr.lastIndexOf(':');
    if (colon <= 0) {
      throw field("endpoint addr '" + addr + "' must be ip:port");
    }
    String host = addr.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw field("endpoint addr '" + addr + "': IPv6 needs brackets, [addr]:port");
    }
    int port;
    try {
      port = Integer.parseInt(addr.substring(colon + 1));
      InetAddress.ofLiteral(host);
    } catch (IllegalArgumentException e) {
      throw field("endpoint addr '" + addr + "' must be ip:port");
    }
    if (port < 1 || port > 65535) {
      throw field("endpoint addr '" + addr + "': port must be 1-65535");
    }
  }

  static CoordRejection field(String message) {
    return new CoordRejection(400, "bad_field", message);
  }
}
