package io.rhizome.transport.libp2p.tests;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/** Captures the log lines of the libp2p bundle so tests can assert that a rejection was logged. */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger logger;

    LogCapture() {
        logger = (Logger) LoggerFactory.getLogger("io.rhizome.transport.libp2p");
        setName("test-capture");
        setContext(logger.getLoggerContext());
        start();
        logger.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent e) {
        lines.add(e.getLevel() + " " + e.getFormattedMessage());
    }

    boolean contains(String fragment) {
        return lines.stream().anyMatch(l -> l.contains(fragment));
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
