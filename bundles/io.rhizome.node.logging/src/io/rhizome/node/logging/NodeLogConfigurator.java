package io.rhizome.node.logging;

import java.nio.file.Path;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.util.FileSize;

/**
 * The standalone node's logging: stdout plus {@code ${rhizome.home}/logs/rhizome.log}, rolled daily
 * and at {@code rhizome.log.maxFileSize} (default 10MB), kept 14 days and at most
 * {@code rhizome.log.totalSizeCap} (default 100MB) of rolled files; repeated lines are limited by
 * {@link RepeatedLineFilter} ({@code rhizome.log.burst} lines of a kind per
 * {@code rhizome.log.intervalSeconds}, default 5 per 10 s, then one summary line). Configured in
 * code rather than logback.xml because parsing the XML configuration was the largest single cost of
 * the node's cold start (about 0.4 s).
 *
 * <p>Level: system property {@code rhizome.log.level} (default INFO).
 */
public class NodeLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        String home = System.getProperty("rhizome.home", Path.of(System.getProperty("user.home"), ".rhizome").toString());
        Path logs = Path.of(home, "logs");

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("STDOUT");
        console.setEncoder(encoder(context, "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n"));
        console.start();

        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(context);
        file.setName("FILE");
        file.setFile(logs.resolve("rhizome.log").toString());
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> rolling = new SizeAndTimeBasedRollingPolicy<>();
        rolling.setContext(context);
        rolling.setParent(file);
        rolling.setFileNamePattern(logs.resolve("rhizome.%d{yyyy-MM-dd}.%i.log").toString());
        rolling.setMaxFileSize(FileSize.valueOf(System.getProperty("rhizome.log.maxFileSize", "10MB")));
        rolling.setTotalSizeCap(FileSize.valueOf(System.getProperty("rhizome.log.totalSizeCap", "100MB")));
        rolling.setMaxHistory(14);
        rolling.start();
        file.setRollingPolicy(rolling);
        file.setEncoder(encoder(context, "%d{ISO8601} [%thread] %-5level %logger - %msg%n"));
        file.start();

        RepeatedLineFilter repeats = new RepeatedLineFilter(Integer.getInteger("rhizome.log.burst", 5),
                1000L * Integer.getInteger("rhizome.log.intervalSeconds", 10), 1000);
        repeats.setContext(context);
        repeats.start();
        context.addTurboFilter(repeats);

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty("rhizome.log.level"), Level.INFO));
        root.addAppender(console);
        root.addAppender(file);
        context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        context.getLogger("org.apache.felix.http").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static PatternLayoutEncoder encoder(LoggerContext context, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        return encoder;
    }
}
