package dev.gretun.cmd;

import dev.gretun.core.log.LogFormat;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --log-format logfmt|json}, as both programs declare it. Logging is configured from the raw
 * arguments before picocli runs ({@code Logging.configure(args)}); the declaration makes picocli
 * accept the option, list it in {@code --help} and refuse a bad value as a usage error.
 */
public final class LogFormatOption {
  public static final String DESCRIPTION =
      "Log line format on stderr: logfmt (default) or json (one object per line).";

  private LogFormatOption() {}

  /** Picocli converter: the lower-case names only. */
  public static final class Converter implements ITypeConverter<LogFormat> {
    @Override
    public LogFormat convert(String value) {
      LogFormat f = LogFormat.fromName(value);
      if (f == null) {
        throw new TypeConversionException("expected logfmt or json, got '" + value + "'");
      }
      return f;
    }
  }

  /** Picocli completion candidates. */
  public static final class Names extends java.util.ArrayList<String> {
    private static final long serialVersionUID = 1L;

    public Names() {
      super(List.of("logfmt", "json"));
    }
  }
}
