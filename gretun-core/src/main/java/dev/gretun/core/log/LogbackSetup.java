package dev.gretun.core.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.nio.charset.StandardCharsets;

/**
 * Configures logback in code, found by logback through {@code META-INF/services} before the first
 * logger exists: so nothing ever logs to stdout (where {@code --json} output goes) or in logback's
 * own default format. {@link Logging#configure} re-installs it with the chosen level and format.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogbackSetup extends ContextAwareBase
    implements ch.qos.logback.classic.spi.Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    install(context, Level.INFO, LogFormat.LOGFMT);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  static void install(LoggerContext context, Level level, LogFormat format) {
    context.reset();
    LogLayout layout = new LogLayout(format);
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.setCharset(StandardCharsets.UTF_8);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("stderr");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    root.addAppender(stderr);
    // Netty and sqlite are chatty at debug; keep them at info unless explicitly asked.
    context.getLogger("io.netty").setLevel(Level.INFO);
  }
}
