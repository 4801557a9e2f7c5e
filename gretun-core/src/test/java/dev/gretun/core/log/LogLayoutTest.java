package dev.gretun.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class LogLayoutTest {
  private static final long T = 1_780_000_000_123L; // 2026-05-28T20:26:40.123Z
  private final LoggerContext context = new LoggerContext();

  private String line(LogFormat format, String msg, Object... args) {
    return line(format, null, msg, args);
  }

  private String line(LogFormat format, Throwable t, String msg, Object... args) {
    LoggingEvent e =
        new LoggingEvent(
            "x", context.getLogger("dev.gretun.core.daemon.Daemon"), Level.INFO, msg, t, args);
    e.setTimeStamp(T);
    return new LogLayout(format).doLayout(e);
  }

  @Test
  void logfmtLineQuotesOnlyWhatNeedsIt() throws IOException {
    InetSocketAddress ep = new InetSocketAddress(InetAddress.getByName("198.51.100.10"), 7777);
    assertEquals(
        "time=2026-05-28T20:26:40.123Z level=info logger=Daemon event=peer_state peer=b"
            + " endpoint=198.51.100.10:7777 reason=\"data path confirmed\" rtt_ms=1.5 note=null\n",
        line(
            LogFormat.LOGFMT,
            "peer_state peer={} endpoint={} reason={} rtt_ms={} note={}",
            "b",
            ep,
            "data path confirmed",
            1.5,
            null));
  }

  @Test
  void handQuotedValuesAreUnquotedThenEncodedOnce() {
    assertEquals(
        "time=2026-05-28T20:26:40.123Z level=info logger=Daemon event=failed"
            + " error=\"bad \\\"x\\\" = \\\\ \\n\" mode=literal text=\"two words\"\n",
        line(
            LogFormat.LOGFMT,
            "failed error=\"{}\" mode=literal text=\"two words\"",
            "bad \"x\" = \\ \n"));
  }

  @Test
  void mixedValuesAndAddressesInsideText() throws IOException {
    assertEquals(
        "time=2026-05-28T20:26:40.123Z level=info logger=Daemon event=bound addr=10.0.0.1:53"
            + " empty=\"\"\n",
        line(
            LogFormat.LOGFMT,
            "bound addr={}:{} empty={}",
            InetAddress.getByName("10.0.0.1"),
            53,
            ""));
  }

  @Test
  void addressesInsideListsToo() throws IOException {
    InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 3478);
    InetSocketAddress b = new InetSocketAddress(InetAddress.getByName("::1"), 3478);
    assertEquals(
        "time=2026-05-28T20:26:40.123Z level=info logger=Daemon event=stun"
            + " servers=\"[192.0.2.10:3478, [0:0:0:0:0:0:0:1]:3478]\" none=[]\n",
        line(LogFormat.LOGFMT, "stun servers={} none={}", java.util.List.of(a, b), new Object[0]));
  }

  @Test
  void freeTextAndTrailingWordsGoToMsg() {
    assertEquals(
        "time=2026-05-28T20:26:40.123Z level=info logger=Daemon msg=\"Hello, world 7\"\n",
        line(LogFormat.LOGFMT, "Hello, world {}", 7));
    assertEquals(
        "time=2026-05-28T20:26:40.123Z level=info logger=Daemon event=tls a=1 msg=\"subject=x y\"\n",
        line(LogFormat.LOGFMT, "tls a={} {}", 1, "subject=x y"));
  }

  @Test
  void jsonLineHasTypedFields() throws IOException {
    InetSocketAddress ep = new InetSocketAddress(InetAddress.getByName("203.0.113.5"), 41641);
    assertEquals(
        "{\"time\":\"2026-05-28T20:26:40.123Z\",\"level\":\"info\",\"logger\":\"Daemon\","
            + "\"event\":\"punch\",\"peer\":\"b\",\"endpoint\":\"203.0.113.5:41641\","
            + "\"duration_ms\":951,\"ok\":true,\"reason\":\"a \\\"q\\\"\\n\",\"none\":null,"
            + "\"uni\":\"日本\",\"event_\":\"dup\"}\n",
        line(
            LogFormat.JSON,
            "punch peer={} endpoint={} duration_ms={} ok={} reason=\"{}\" none={} uni={} event={}",
            "b",
            ep,
            951L,
            true,
            "a \"q\"\n",
            null,
            "日本",
            "dup"));
  }

  @Test
  void jsonFreeTextHasNullEvent() {
    assertEquals(
        "{\"time\":\"2026-05-28T20:26:40.123Z\",\"level\":\"info\",\"logger\":\"Daemon\","
            + "\"event\":null,\"msg\":\"Hello there\"}\n",
        line(LogFormat.JSON, "Hello there"));
    assertEquals(
        "{\"time\":\"2026-05-28T20:26:40.123Z\",\"level\":\"info\",\"logger\":\"Daemon\","
            + "\"event\":null,\"msg\":\"starting 2 threads\"}\n",
        line(LogFormat.JSON, "starting {} threads", 2));
  }

  @Test
  void throwableIsOneEscapedField() {
    String logfmt = line(LogFormat.LOGFMT, new IllegalStateException("boom"), "loop_failed");
    assertTrue(
        logfmt.startsWith(
            "time=2026-05-28T20:26:40.123Z level=info logger=Daemon event=loop_failed"
                + " exception=\"java.lang.IllegalStateException: boom\\n\\tat "),
        logfmt);
    assertEquals(1, logfmt.lines().count(), logfmt);
    String json = line(LogFormat.JSON, new IllegalStateException("boom"), "loop_failed");
    assertTrue(
        json.contains(",\"exception\":\"java.lang.IllegalStateException: boom\\n\\tat "), json);
    assertEquals(1, json.lines().count(), json);
  }

  @Test
  void logFormatIsReadFromRawArguments() {
    assertEquals(LogFormat.JSON, Logging.logFormat(new String[] {"up", "--log-format", "json"}));
    assertEquals(LogFormat.JSON, Logging.logFormat(new String[] {"--log-format=json"}));
    assertEquals(LogFormat.LOGFMT, Logging.logFormat(new String[] {"--log-format", "xml"}));
    assertEquals(LogFormat.LOGFMT, Logging.logFormat(new String[] {"--", "--log-format", "json"}));
    assertEquals(LogFormat.LOGFMT, Logging.logFormat(new String[] {}));
  }
}
