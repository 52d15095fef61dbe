package dev.harbor.state.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * Captures what the library logs (every dev.harbor.state logger, DEBUG and up) while open; closing
 * restores the logger. Lines are the formatted message plus the whole of any attached throwable, so
 * a check for a secret sees everything a log file would. Needs logback-classic on the test class
 * path (an optional dependency of this module).
 */
public final class LogCapture implements AutoCloseable {

  private final List<Logger> loggers;
  private final List<Level> before;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  /** Starts capturing what the library logs. */
  public LogCapture() {
    this("dev.harbor.state");
  }

  /**
   * Starts capturing the named loggers at DEBUG and up, such as the library's and the pool's
   * ({@code com.zaxxer.hikari}), whose DEBUG lines print its configuration.
   *
   * @param loggerNames the loggers to capture
   */
  public LogCapture(String... loggerNames) {
    loggers =
        java.util.Arrays.stream(loggerNames)
            .map(n -> (Logger) LoggerFactory.getLogger(n))
            .collect(Collectors.toList());
    before = loggers.stream().map(Logger::getLevel).collect(Collectors.toList());
    appender.start();
    for (Logger logger : loggers) {
      logger.addAppender(appender);
      logger.setLevel(Level.DEBUG);
    }
  }

  /** Every captured event, as "LEVEL message [throwable...]". */
  public List<String> lines() {
    return appender.list.stream().map(LogCapture::line).collect(Collectors.toList());
  }

  /** The captured lines at one level. */
  public List<String> lines(Level level) {
    return appender.list.stream()
        .filter(e -> e.getLevel().equals(level))
        .map(ILoggingEvent::getFormattedMessage)
        .collect(Collectors.toList());
  }

  private static String line(ILoggingEvent e) {
    StringBuilder sb = new StringBuilder(e.getLevel() + " " + e.getFormattedMessage());
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      sb.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
    }
    return sb.toString();
  }

  /** Stops capturing and restores the logger's level. */
  @Override
  public void close() {
    for (int i = 0; i < loggers.size(); i++) {
      loggers.get(i).detachAppender(appender);
      loggers.get(i).setLevel(before.get(i));
    }
    appender.stop();
  }
}
