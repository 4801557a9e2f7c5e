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
import org.junit.jupiter.api.Test;

/** docs/CLI.md, "JSON output": an unset field is written as null, never left out. */
class JsonNullsTest {
  @Test
  void unsetFieldIsPresentAsNull() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    try (StunServer s =
        StunServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            StunServer.Options.defaults())) {
      var cl = CommandLines.commandLine();
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      String server = "127.0.0.1:" + s.localAddress().getPort();
      assertEquals(0, cl.execute("stun", "--server", server, "--json"), err.toString());
    }
    JsonNode j = new ObjectMapper().readTree(out.toString());
    assertTrue(j.has("mapping"), out.toString());
    assertTrue(j.get("mapping").isNull(), "one server cannot classify the mapping: " + out);
  }
}
