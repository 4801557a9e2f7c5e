package dev.gretun.cli;

import dev.gretun.core.daemon.localapi.LocalApiServer;
import dev.gretun.core.log.Logging;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * The training run behind {@code build/gretun.aot} (Java's AOT cache, JEP 483/514/515; made by
 * {@code scripts/aot-cache.sh}): runs the short commands a user types most, in one JVM, so that the
 * classes they load and link and the methods they run end up in the cache. Every command is
 * read-only: {@code list} and {@code status} ask the kernel, {@code peers} asks a local API server
 * started here on a socket in a temporary directory, and once a socket where nothing listens.
 * Output is discarded; failures (e.g. no netlink in a build sandbox) only make the cache smaller.
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws IOException {
    Logging.configure(new String[0]);
    Path dir = Files.createTempDirectory("gretun-aot");
    Path live = dir.resolve("live.sock");
    String none = dir.resolve("none.sock").toString();
    try (LocalApiServer server = LocalApiServer.start(live, request -> List.of())) {
      String sock = server.path().toString();
      List<String[]> runs =
          List.of(
              new String[] {"list", "--json"},
              new String[] {"list"},
              new String[] {"version"},
              new String[] {"version", "--json"},
              new String[] {"--version"},
              new String[] {"peers", "--json", "--control-socket", sock},
              new String[] {"peers", "--control-socket", sock},
              new String[] {"peers", "--json", "--control-socket", none},
              new String[] {"peers", "--control-socket", none},
              new String[] {"status", "gretun-aot-none", "--json"},
              new String[] {"list", "--no-such-option"},
              new String[] {"--help"},
              new String[] {"up", "--help"});
      PrintWriter discard = new PrintWriter(Writer.nullWriter());
      for (String[] run : runs) {
        QuickCommands.run(run, discard); // a real start tries this first,
        CommandLine cl = CommandLines.commandLine(run); // then builds this for the rest
        cl.setOut(discard);
        cl.setErr(new PrintWriter(Writer.nullWriter()));
        cl.execute(run);
      }
    } finally {
      Files.deleteIfExists(live);
      Files.deleteIfExists(dir);
    }
  }
}
