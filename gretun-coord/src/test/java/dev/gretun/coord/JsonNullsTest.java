package dev.gretun.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.coord.CoordWire;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unset fields are null, never left out, in what gretun-coord writes: its {@code --json} output (as
 * gretun's) and its API bodies (docs/CLI.md, docs/PROTOCOL.md).
 */
class JsonNullsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void adminJsonWritesNullForAKeyThatNeverExpires() throws Exception {
    var cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    assertEquals(
        0, cl.execute("keys", "create", "--json", "--state-dir", dir.toString()), err.toString());
    JsonNode key = JSON.readTree(out.toString());
    assertTrue(key.has("expires_at") && key.get("expires_at").isNull(), out.toString());
  }

  @Test
  void apiBodiesWriteNullForUnsetFields() throws Exception {
    String body =
        CoordWire.mapper().writeValueAsString(new CoordWire.RegisterRequest("a", "disco", null));
    assertEquals("{\"node_name\":\"a\",\"disco_key\":\"disco\",\"join_key\":null}", body);
  }
}
