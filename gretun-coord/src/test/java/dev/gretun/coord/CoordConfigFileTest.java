package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gretun-coord --config FILE}: file defaults, flags win, unknown keys refused. */
class CoordConfigFileTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private Path config(String text) throws IOException {
    Path file = dir.resolve("coord.conf");
    Files.writeString(file, text);
    return file;
  }

  private CoordCommand parse(String... args) {
    CommandLine cl = Main.commandLine();
    cl.parseArgs(args);
    return cl.getCommand();
  }

  private int execute(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void keysFromTheFileTakeEffect() throws IOException {
    Path file =
        config(
            """
            listen = 127.0.0.1:9443
            pool = 100.70.0.0/16
            long-poll = 40s
            stun-advertise = stun1.example:3478,stun2.example:3478
            insecure-http = true
            state-dir = %s
            """
                .formatted(dir));
    CoordCommand coord = parse("--config", file.toString());
    assertEquals(new InetSocketAddress("127.0.0.1", 9443), coord.listen);
    assertEquals("100.70.0.0/16", coord.pool);
    assertEquals(Duration.ofSeconds(40), coord.longPoll);
    assertEquals(List.of("stun1.example:3478", "stun2.example:3478"), coord.stunAdvertise);
    assertTrue(coord.tlsOptions.insecureHttp);
    assertEquals(dir, coord.options.stateDir());
  }

  @Test
  void twoStunAddressesFitOneKey() throws IOException {
    Path file = config("stun-listen = 127.0.0.1:3478,127.0.0.2:3478\n");
    CoordCommand coord = parse("--config", file.toString());
    assertEquals(List.of("127.0.0.1:3478", "127.0.0.2:3478"), coord.stunListen);
  }

  @Test
  void aFlagOverridesTheFile() throws IOException {
    Path file = config("listen = 127.0.0.1:9443\npool = 100.70.0.0/16\n");
    CoordCommand coord = parse("--config", file.toString(), "--listen", "127.0.0.1:9555");
    assertEquals(new InetSocketAddress("127.0.0.1", 9555), coord.listen);
    assertEquals("100.70.0.0/16", coord.pool);
  }

  @Test
  void adminCommandsTakeTheStateDirFromTheFile() throws IOException {
    Path state = dir.resolve("state");
    Path file = config("state-dir = " + state + "\ninsecure-http = true\n");
    assertEquals(
        0, execute("--config", file.toString(), "keys", "create", "--json"), err.toString());
    assertTrue(Files.exists(state.resolve("coord.db")), err.toString());
  }

  @Test
  void anUnknownKeyIsAUsageError() throws IOException {
    Path file = config("listen = :9443\nlisten-address = :9444\n");
    assertEquals(2, execute("--config", file.toString(), "--insecure-http"));
    assertTrue(
        err.toString().contains("coord.conf:2: unknown key 'listen-address'"), err.toString());
  }

  @Test
  void adminOnlyOptionsAreRefusedInTheFile() throws IOException {
    Path file = config("init = true\n");
    assertEquals(2, execute("--config", file.toString(), "--insecure-http"));
    assertTrue(err.toString().contains("unknown key 'init'"), err.toString());
  }
}
