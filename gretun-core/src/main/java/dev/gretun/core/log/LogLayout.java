package dev.gretun.core.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The logback layout of both programs: one line per event, in logfmt ({@link Logfmt}) or JSON
 * (Jackson). Time is UTC with milliseconds; the logger is the class's simple name; a throwable
 * becomes the field {@code exception} (its stack trace, escaped onto the one line).
 */
public final class LogLayout extends LayoutBase<ILoggingEvent> {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final JsonFactory JSON = new JsonFactory();
  private static final Set<String> HEADER = Set.of("time", "level", "logger", "event");

  private final LogFormat format;

  public LogLayout(LogFormat format) {
    this.format = format;
  }

  public LogFormat format() {
    return format;
  }

  @Override
  public String doLayout(ILoggingEvent e) {
    LogLine line = LogTemplate.parse(e.getMessage(), e.getArgumentArray());
    String time = TIME.format(Instant.ofEpochMilli(e.getTimeStamp()));
    String level = e.getLevel().toString().toLowerCase(Locale.ROOT);
    String logger = simpleName(e.getLoggerName());
    String exception =
        e.getThrowableProxy() == null
            ? null
            : ThrowableProxyUtil.asString(e.getThrowableProxy()).stripTrailing();
    return format == LogFormat.JSON
        ? json(time, level, logger, line, exception)
        : logfmt(time, level, logger, line, exception);
  }

  static String logfmt(String time, String level, String logger, LogLine l, String exception) {
    StringBuilder out = new StringBuilder(160);
    Logfmt.appendPair(out, "time", time);
    Logfmt.appendPair(out, "level", level);
    Logfmt.appendPair(out, "logger", logger);
    if (l.event() != null) {
      Logfmt.appendPair(out, "event", l.event());
    }
    for (LogLine.Field f : l.fields()) {
      Logfmt.appendPair(out, fieldKey(f.key()), LogValues.text(f.value()));
    }
    if (l.msg() != null) {
      Logfmt.appendPair(out, "msg", l.msg());
    }
    if (exception != null) {
      Logfmt.appendPair(out, "exception", exception);
    }
    return out.append('\n').toString();
  }

  static String json(String time, String level, String logger, LogLine l, String exception) {
    StringWriter out = new StringWriter(200);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", time);
      g.writeStringField("level", level);
      g.writeStringField("logger", logger);
      g.writeStringField("event", l.event());
      Set<String> seen = new HashSet<>(HEADER);
      for (LogLine.Field f : l.fields()) {
        String key = fieldKey(f.key());
        if (!seen.add(key)) {
          continue; // a JSON object cannot hold a key twice; the first one wins
        }
        g.writeFieldName(key);
        writeValue(g, f.value());
      }
      if (l.msg() != null) {
        g.writeStringField("msg", l.msg());
      }
      if (exception != null) {
        g.writeStringField("exception", exception);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.append('\n').toString();
  }

  private static void writeValue(JsonGenerator g, Object v) throws IOException {
    switch (v) {
      case null -> g.writeNull();
      case Boolean b -> g.writeBoolean(b);
      case Double d when Double.isFinite(d) -> g.writeNumber(d);
      case Float f when Float.isFinite(f) -> g.writeNumber(f);
      case Long n -> g.writeNumber(n);
      case Integer n -> g.writeNumber(n);
      case Short n -> g.writeNumber(n);
      case Byte n -> g.writeNumber(n);
      default -> g.writeString(LogValues.text(v));
    }
  }

  /** A field named like a header field would be ambiguous: it gets a trailing underscore. */
  private static String fieldKey(String key) {
    return HEADER.contains(key) || key.equals("msg") || key.equals("exception") ? key + "_" : key;
  }

  private static String simpleName(String loggerName) {
    return loggerName.substring(loggerName.lastIndexOf('.') + 1);
  }
}
