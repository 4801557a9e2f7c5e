package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.stun.StunServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetcheckCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    var cl = CommandLines.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void needsExactlyOneSource() {
    assertEquals(2, run("netcheck"));
    assertTrue(err.toString().contains("--coordinator URL or --server"), err.toString());
    assertEquals(
        2, run("netcheck", "--coordinator", "https://127.0.0.1:8443", "--server", "127.0.0.1:1"));
    assertEquals(2, run("netcheck", "--server", "127.0.0.1:70000"));
    assertEquals(2, run("netcheck", "--coordinator", "no-host-here"));
  }

  @Test
  void jsonAgainstLoopbackCoordinatorPorts() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort() & ~1;
    }
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    try (StunServer server =
        StunServer.startWithAlternates(
            List.of(new InetSocketAddress(lo, port)), StunServer.Options.defaults())) {
      assertEquals(
          0,
          run(
              "--json",
              "netcheck",
              "--coordinator",
              "https://127.0.0.1:8443",
              "--stun-port",
              String.valueOf(port)),
          err.toString());
      JsonNode j = new ObjectMapper().readTree(out.toString());
      assertEquals(true, j.get("udp").asBoolean());
      assertEquals(2, j.get("servers").size());
      assertEquals("endpoint_independent", j.get("mapping").asText());
      assertEquals("not_port_dependent", j.get("filtering").asText());
      assertEquals("cone", j.get("nat").asText());
      assertTrue(j.get("verdict").asText().startsWith("easy NAT (cone)"), j.toString());
    }
  }
}
