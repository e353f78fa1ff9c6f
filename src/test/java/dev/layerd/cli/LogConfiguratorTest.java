package dev.layerd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {
  @AfterEach
  void clearProperties() {
    System.clearProperty(LogConfigurator.ACTIVE);
    System.clearProperty("layerd.log.level");
  }

  private static ExecutionStatus configure(LoggerContext context) {
    LogConfigurator c = new LogConfigurator();
    c.setContext(context);
    return c.configure(context);
  }

  @Test
  void leavesAProgramThatEmbedsLayerdToItsOwnConfiguration() {
    LoggerContext context = new LoggerContext();

    assertThat(configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders()).isExhausted();
  }

  @Test
  void commandLineLogsToStderrAtInfoUnlessTheLevelIsGiven() {
    System.setProperty(LogConfigurator.ACTIVE, "true");
    LoggerContext info = new LoggerContext();
    assertThat(configure(info)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    Logger root = info.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    assertThat(root.getAppender("STDERR"))
        .isInstanceOfSatisfying(
            ConsoleAppender.class, a -> assertThat(a.getTarget()).isEqualTo("System.err"));

    System.setProperty("layerd.log.level", "debug");
    LoggerContext debug = new LoggerContext();
    configure(debug);
    assertThat(debug.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);
  }
}
