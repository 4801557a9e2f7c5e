package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.stun.StunServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class StunCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    var cl = CommandLines.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  @Test
  void withoutServerIsAUsageErrorSayingWhatToDo() {
    assertEquals(2, run("stun"));
    assertTrue(err.toString().contains("--server HOST:PORT, or --coordinator URL"), err.toString());
  }

  @Test
  void badFlagsAreUsageErrors() {
    assertEquals(2, run("stun", "--server", "127.0.0.1:3478", "--timeout", "soon"));
    assertTrue(err.toString().contains("e.g. 10s"), err.toString());
    assertEquals(2, run("stun", "--server", "127.0.0.1:70000"));
  }

  @Test
  void twoServersGiveEndpointAndMappingAsJson() throws Exception {
    try (StunServer a = StunServer.start(LOOPBACK, StunServer.Options.defaults());
        StunServer b = StunServer.start(LOOPBACK, StunServer.Options.defaults())) {
      String sa = "127.0.0.1:" + a.localAddress().getPort();
      String sb = "127.0.0.1:" + b.localAddress().getPort();
      assertEquals(0, run("stun", "--server", sa + "," + sb, "--json"), err.toString());
      JsonNode j = new ObjectMapper().readTree(out.toString());
      int local = j.get("local_port").asInt();
      assertEquals("127.0.0.1:" + local, j.get("public_endpoint").asText());
      assertEquals(sa, j.get("server").asText());
      assertEquals("endpoint_independent", j.get("mapping").asText());
      assertTrue(j.get("port_preserved").asBoolean());
      assertEquals(2, j.get("results").size());
      assertEquals("mapped", j.get("results").get(1).get("status").asText());
      assertEquals("gretun", j.get("results").get(1).get("software").asText());
    }
  }

  @Test
  void theSameServerTwiceDoesNotClaimEndpointIndependent() throws Exception {
    try (StunServer a = StunServer.start(LOOPBACK, StunServer.Options.defaults())) {
      String sa = "127.0.0.1:" + a.localAddress().getPort();
      assertEquals(0, run("stun", "--server", sa, "--server", sa, "--json"), err.toString());
      JsonNode j = new ObjectMapper().readTree(out.toString());
      assertEquals("unknown", j.get("mapping").asText());
      assertEquals("needs two different STUN servers", j.get("mapping_reason").asText());
      out.getBuffer().setLength(0);
      assertEquals(0, run("stun", "--server", sa + "," + sa));
      assertTrue(
          out.toString().contains("mapping: unknown: needs two different STUN servers"),
          out.toString());
    }
  }

  @Test
  void coordinatorWithoutJoinedKeysSaysWhatToDo(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    assertEquals(
        1,
        run(
            "stun",
            "--json",
            "--coordinator",
            "https://127.0.0.1:1",
            "--state-dir",
            dir.toString()));
    assertTrue(err.toString().contains("run 'gretun up' first"), err.toString());
    assertTrue(out.toString().contains("\"code\":\"not_joined\""), out.toString());
  }

  @Test
  void plainHttpCoordinatorNeedsInsecureHttp() {
    assertEquals(2, run("stun", "--coordinator", "http://127.0.0.1:1"));
    assertTrue(err.toString().contains("--insecure-http"), err.toString());
  }

  @Test
  void textOutputNamesTheServer() throws Exception {
    try (StunServer a = StunServer.start(LOOPBACK, StunServer.Options.defaults())) {
      String sa = "127.0.0.1:" + a.localAddress().getPort();
      assertEquals(0, run("stun", "--server", sa));
      assertTrue(
          out.toString()
              .matches("127\\.0\\.0\\.1:\\d+  \\(via " + sa.replace(".", "\\.") + "\\)\\R"),
          out.toString());
    }
  }

  @Test
  void silentServerIsARuntimeFailureWithinTheTimeout() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(LOOPBACK)) {
      String s = "127.0.0.1:" + silent.getLocalPort();
      assertEquals(1, run("stun", "--server", s, "--timeout", "700ms", "--json"));
      assertTrue(err.toString().contains("no STUN server answered within 700ms"), err.toString());
      JsonNode j = new ObjectMapper().readTree(out.toString());
      assertEquals("stun_no_answer", j.get("code").asText());
    }
  }
}
