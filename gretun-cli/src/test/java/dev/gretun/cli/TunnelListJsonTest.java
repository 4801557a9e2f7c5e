package dev.gretun.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gretun.cmd.Output;
import dev.gretun.core.tunnel.TunnelStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * {@code list --json}'s streaming writer prints exactly what the ObjectMapper prints for the same
 * tunnels: every field, in order, nulls included, with the same pretty printer. A field added to
 * {@link TunnelStatus} without the writer fails here.
 */
class TunnelListJsonTest {
  private static final TunnelStatus FOU =
      new TunnelStatus(
          "gt0",
          "gre",
          "10.0.1.10",
          "198.51.100.10",
          4042887791L,
          64,
          true,
          "fou",
          7777,
          7777,
          false,
          7777,
          true,
          1464,
          true,
          "unknown",
          List.of("100.64.0.4/24", "fd00::1/64"),
          1,
          2,
          3,
          4,
          5,
          6,
          7,
          Long.MAX_VALUE);
  private static final TunnelStatus PLAIN =
      new TunnelStatus(
          "tap\"1", "gretap", null, null, null, 0, false, null, null, null, null, null, false, 1476,
          false, "down", List.of(), 0, 0, 0, 0, 0, 0, 0, 0);

  @Test
  void sameBytesAsTheObjectMapper() {
    for (List<TunnelStatus> tunnels :
        List.of(List.<TunnelStatus>of(), List.of(FOU), List.of(FOU, PLAIN))) {
      assertEquals(
          printed(Output::json, tunnels), printed(TunnelListJson::print, tunnels), "" + tunnels);
    }
  }

  @Test
  void everyRecordComponentIsWritten() {
    String json = printed(TunnelListJson::print, List.of(PLAIN));
    for (var c : TunnelStatus.class.getRecordComponents()) {
      assertEquals(1, json.split("\"" + c.getName() + "\" :", -1).length - 1, c.getName());
    }
  }

  private static String printed(
      BiConsumer<PrintWriter, List<TunnelStatus>> print, List<TunnelStatus> t) {
    StringWriter s = new StringWriter();
    print.accept(new PrintWriter(s), t);
    return s.toString();
  }
}
