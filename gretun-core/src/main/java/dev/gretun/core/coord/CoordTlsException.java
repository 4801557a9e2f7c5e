package dev.gretun.core.coord;

import java.io.IOException;
import java.net.URI;
import javax.net.ssl.SSLException;

/**
 * The TLS handshake with the coordinator failed: its certificate is not trusted, does not name the
 * host, or no common protocol version. Retrying does not help; the message says what to change.
 */
public final class CoordTlsException extends IOException {
  private static final long serialVersionUID = 1L;

  CoordTlsException(URI coordinator, SSLException cause) {
    super(
        "TLS handshake with "
            + coordinator.getHost()
            + ":"
            + port(coordinator)
            + " failed: "
            + cause.getMessage()
            + hint(cause.getMessage()),
        cause);
  }

  private static int port(URI u) {
    return u.getPort() > 0 ? u.getPort() : 443;
  }

  private static String hint(String message) {
    String m = message == null ? "" : message;
    if (m.contains("PKIX") || m.contains("certification path")) {
      return " (the coordinator's certificate is not signed by a trusted CA: for a private CA pass"
          + " --coordinator-ca FILE with that CA's PEM certificate)";
    }
    if (m.contains("subject alternative") || m.contains("No name matching")) {
      return " (the certificate does not name this host: use a --coordinator URL with a name or"
          + " address from its subjectAltName)";
    }
    if (m.contains("protocol_version") || m.contains("protocol is disabled")) {
      return " (no common TLS version: gretun-coord speaks TLS 1.3 only)";
    }
    if (m.contains("Unsupported or unrecognized SSL message")) {
      return " (nothing speaks TLS on that port: is it a plain-HTTP coordinator?)";
    }
    return "";
  }
}
