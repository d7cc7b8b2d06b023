package io.ragstream.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.log.LogKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The CLI's logback.xml in both formats, with the correlation ids of {@link LogKeys}. */
class LogFormatTest {

  /** Configures a fresh context from the shipped logback.xml and returns what one event wrote. */
  private static String logOneLine(String format) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    // The default context: SLF4J's MDC belongs to it.
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    try {
      context.putProperty("RAGSTREAM_LOG_FORMAT", format);
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      URL config = LogFormatTest.class.getClassLoader().getResource("logback.xml");
      assertThat(config).as("cli's logback.xml on the class path").isNotNull();
      configurator.doConfigure(config);
      Logger log = context.getLogger("io.ragstream.gateway.http.SearchHandler");
      try (MDC.MDCCloseable r = MDC.putCloseable(LogKeys.REQUEST_ID, "req-42");
          MDC.MDCCloseable q =
              MDC.putCloseable(LogKeys.QUERY_ID, "6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10")) {
        log.warn("search took {} ms", 812);
      }
    } finally {
      System.setErr(original);
      context.reset();
      new ContextInitializer(context).autoConfig();
    }
    return captured.toString(StandardCharsets.UTF_8).strip();
  }

  @Test
  void jsonFormatWritesOneObjectPerLineWithTheCorrelationIds() throws Exception {
    String line = logOneLine("json");
    assertThat(line.lines()).hasSize(1);
    JsonNode event = Json.mapper().readTree(line);
    assertThat(event.get("level").asText()).isEqualTo("WARN");
    assertThat(event.get("loggerName").asText())
        .isEqualTo("io.ragstream.gateway.http.SearchHandler");
    assertThat(event.get("formattedMessage").asText()).isEqualTo("search took 812 ms");
    assertThat(event.get("mdc").get(LogKeys.REQUEST_ID).asText()).isEqualTo("req-42");
    assertThat(event.get("mdc").get(LogKeys.QUERY_ID).asText())
        .isEqualTo("6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10");
    assertThat(event.get("timestamp").asLong()).isPositive();
  }

  /**
   * A warning or error while configuring makes logback print its whole status on stdout, into the
   * output of commands such as {@code eval beir --json} (an unreferenced appender did that once).
   */
  @ParameterizedTest
  @ValueSource(strings = {"text", "json"})
  void configuringRaisesNoWarning(String format) throws Exception {
    LoggerContext context = new LoggerContext();
    context.putProperty("RAGSTREAM_LOG_FORMAT", format);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(LogFormatTest.class.getClassLoader().getResource("logback.xml"));
    assertThat(
            context.getStatusManager().getCopyOfStatusList().stream()
                .filter(st -> st.getLevel() >= ch.qos.logback.core.status.Status.WARN)
                .map(Object::toString))
        .isEmpty();
    assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("console"))
        .isNotNull();
    context.stop();
  }

  @Test
  void textFormatShowsTheCorrelationIdsInBrackets() throws Exception {
    String line = logOneLine("text");
    assertThat(line)
        .contains("WARN")
        .contains("requestId=req-42")
        .contains("queryId=6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10")
        .endsWith("- search took 812 ms");
  }
}
